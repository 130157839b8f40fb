/**
 * The people's tools against a running local gateway: `npm run report` prints
 * the day from GET /v1/usage, and `npm run rollup` prints the SNS message a
 * crossed threshold sends, once. Both find the gateway by PORT, through the
 * state file `npm start` writes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callerIdForKey } from '../../lambda/core/features/auth';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { removeGatewayState, writeGatewayState } from '../../lambda/local/gateway-state';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { testPolicyDocument } from '../support/policies';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ADMIN = 'admin-key';

describe('npm run report and npm run rollup, against the local gateway', () => {
  let gateway: LocalGateway;
  let port: number;
  let policyFile: string;
  beforeAll(async () => {
    const document = testPolicyDocument({
      budgets: { global: { dailyUsd: '0.001' } },
      admins: [callerIdForKey(ADMIN)],
    } as never);
    policyFile = join(mkdtempSync(join(tmpdir(), 'switchyard-tools-')), 'policy.json');
    writeFileSync(policyFile, JSON.stringify(document));
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(document) });
    port = Number(new URL(gateway.baseUrl).port);
    // What npm start writes once it listens.
    writeGatewayState(port, { baseUrl: gateway.baseUrl, dynamoEndpoint: gateway.dynamo.endpoint, policyFile, pid: process.pid });
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer team-key', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/large', messages: [{ role: 'user', content: 'Tell me about otters, at length.' }] }),
      });
      expect(response.status).toBe(200);
    }
    await gateway.aggregates.flush();
  });
  afterAll(async () => {
    removeGatewayState(port);
    await gateway.close();
  });

  const tool = (script: string, args: string[], environment: NodeJS.ProcessEnv = {}) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHYARD_') && name !== 'PORT'));
    return run(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', script), ...args], {
      cwd: ROOT,
      env: { ...inherited, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...environment },
    });
  };
  const failingTool = (script: string, args: string[], environment: NodeJS.ProcessEnv) =>
    tool(script, args, environment).then(
      () => Promise.reject(new Error(`${script} succeeded`)),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('report finds the gateway by PORT and prints the day for an admin, with the budget and each caller', async () => {
    const { stdout } = await tool('report.ts', ['--key', ADMIN], { PORT: String(port) });

    expect(stdout).toMatch(/^Switchyard usage for \d{4}-\d{2}-\d{2} \(UTC\)$/m);
    expect(stdout).toMatch(/Spend: \$0\.\d{4} over 3 requests and 3 attempts/);
    expect(stdout).toMatch(/Budgets:\n  global +\$0\.\d{4} of +\$0\.0010/);
    expect(stdout).toMatch(new RegExp(`Top callers:\\n  ${callerIdForKey('team-key')}`));
  });

  it('rollup checks the budgets of the policy the gateway runs with, names it first, and alerts once', async () => {
    // As a user would: PORT and SWITCHYARD_DYNAMO_PORT of their npm start, no SWITCHYARD_POLICY.
    const environment = { PORT: String(port), SWITCHYARD_DYNAMO_PORT: new URL(gateway.dynamo.endpoint).port };

    const first = await tool('rollup.ts', [], environment);
    const second = await tool('rollup.ts', [], environment);

    expect(first.stdout).toMatch(new RegExp(`^Policy: ${policyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(the one npm start on PORT=${port} runs with\\)\n`));
    expect(first.stdout).toMatch(/--- SNS message \(local: printed, not sent\) ---\nSubject: .*global past 100%/);
    expect(first.stdout).toMatch(/Attributes: severity=critical budget=global threshold=100/);
    expect(second.stdout).toMatch(/^Policy: /);
    expect(second.stdout).not.toMatch(/SNS message/);
    expect(second.stdout).toMatch(/No new budget alerts/);
  });

  it('rollup takes the DynamoDB and the policy from --dynamo and --policy without a gateway on PORT', async () => {
    const { stdout } = await tool('rollup.ts', ['--dynamo', gateway.dynamo.endpoint, '--policy', policyFile], { PORT: '9' });

    expect(stdout).toMatch(/^Policy: .*policy\.json \(from --policy\)\nLedger: http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/Budgets:\n  global /);
  });

  it('rollup refuses to guess the policy of a DynamoDB that is not the one of the gateway on PORT', async () => {
    const failure = await failingTool('rollup.ts', ['--dynamo', 'http://127.0.0.1:9'], { PORT: String(port) });

    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/http:\/\/127\.0\.0\.1:9 is not the DynamoDB of npm start on PORT=\d+ .*pass --policy <file> too/);
  });

  it.each(['report.ts', 'rollup.ts'])('%s names PORT and npm start when no gateway runs on PORT, without a stack trace', async (script) => {
    const failure = await failingTool(script, [], { PORT: '9' });

    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^No local gateway found for PORT=9 \(no \.switchyard\/gateway-9\.json\)\. Start one with npm start, set PORT to the port it listens on, or pass --/);
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
