/**
 * How `npm run report` and `npm run rollup` find the gateway that `npm start`
 * runs: one small JSON file per port, `.switchyard/gateway-<PORT>.json`
 * (git-ignored), written once the gateway listens and removed when it stops.
 * The port is the key because it is the one setting two instances cannot share.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../core/base/errors';

/** Where the state files live: `.switchyard/` at the repository root, whatever the working directory. */
export const STATE_DIRECTORY = join(__dirname, '..', '..', '.switchyard');
/** The port `npm start` listens on unless `PORT` says otherwise. */
export const DEFAULT_PORT = 8787;

/** What a running `npm start` tells the tools about itself. */
export interface GatewayState {
  /** Base URL for OpenAI clients, ending in `/v1`. */
  readonly baseUrl: string;
  /** The embedded DynamoDB holding the ledger, aggregates and alert claims. */
  readonly dynamoEndpoint: string;
  /** Absolute path of the policy file whose budgets the gateway enforces. */
  readonly policyFile: string;
  /** The `npm start` process, to tell a live gateway from a file left by a killed one. */
  readonly pid: number;
}

export function gatewayStateFile(port: number): string {
  return join(STATE_DIRECTORY, `gateway-${port}.json`);
}

export function writeGatewayState(port: number, state: GatewayState): string {
  mkdirSync(STATE_DIRECTORY, { recursive: true });
  const file = gatewayStateFile(port);
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return file;
}

/** Removes the file only while it is still this process's: a newer gateway on the port may have replaced it. */
export function removeGatewayState(port: number, pid = process.pid): void {
  const file = gatewayStateFile(port);
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as GatewayState).pid !== pid) return;
  } catch {
    return;
  }
  rmSync(file, { force: true });
}

/** `PORT` as the tools read it: the port of the `npm start` to talk to. @throws ConfigError */
export function portSetting(environment: NodeJS.ProcessEnv): number {
  const value = environment['PORT'];
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConfigError(`PORT must be the port npm start listens on (1 to 65535), not "${value}".`);
  }
  return port;
}

/**
 * The gateway `npm start` runs on `port`.
 * @param override how to point the tool elsewhere, for the message when there is none
 * @throws ConfigError naming PORT and npm start when there is no live gateway on that port
 */
export function findGateway(port: number, override: string): GatewayState {
  const file = gatewayStateFile(port);
  const shown = relative(process.cwd(), file) || file;
  let state: GatewayState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as GatewayState;
  } catch {
    throw new ConfigError(
      `No local gateway found for PORT=${port} (no ${shown}). Start one with npm start, set PORT to the port it listens on, or ${override}.`,
    );
  }
  if (!isRunning(state.pid)) {
    throw new ConfigError(
      `No local gateway is running for PORT=${port}: ${shown} was left by process ${state.pid}, which has stopped. ` +
        `Start one with npm start, set PORT to the port it listens on, or ${override}.`,
    );
  }
  return state;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
