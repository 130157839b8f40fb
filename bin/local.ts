/**
 * `npm start`: the local gateway on http://127.0.0.1:8787 with embedded
 * defaults. Every setting is an environment variable; see the README.
 */
import { formatUsd, worstCaseAttemptCost } from '../lambda/core/accounting/money';
import { TIERS, type PolicyDocument } from '../lambda/policy/schema';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadPolicy } from '../lambda/policy/load-policy';
import { DEFAULT_PORT, removeGatewayState, writeGatewayState } from '../lambda/local/gateway-state';
import { startLocalGateway, type SimulationChoice } from '../lambda/local/local-gateway';
import { DEFAULT_POLICY_FILE } from '../lambda/policy/policy-file';
import { withSimulatedFaults } from '../lambda/local/simulated-faults';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../lambda/contract/deployment';
import { retiredModelWarnings } from '../lambda/policy/retirements';
import { utcDay } from '../lambda/core/base/utc-day';
import { answerHelp } from '../lib/cli/help';

function simulationChoice(value: string | undefined): SimulationChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'all' || value === 'none') return value;
  return value.split(',').map((provider) => provider.trim());
}

function integer(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`${name} must be a whole number, not "${value}".`);
    process.exit(2);
  }
  return parsed;
}

function port(name: string, fallback: number): number {
  const value = integer(name, fallback);
  if (value > 65_535) {
    console.error(`${name} must be a port number (0 to 65535), not "${value}".`);
    process.exit(2);
  }
  return value;
}

/**
 * The embedded DynamoDB follows PORT (PORT+1), so a second instance on another
 * PORT needs no second setting; SWITCHYARD_DYNAMO_PORT overrides it.
 */
function dynamoPort(gatewayPort: number): number {
  if (process.env['SWITCHYARD_DYNAMO_PORT']) return port('SWITCHYARD_DYNAMO_PORT', 0);
  if (gatewayPort === 0) return 0;
  if (gatewayPort === 65_535) {
    console.error('PORT=65535 leaves no port for the embedded DynamoDB (PORT+1): set SWITCHYARD_DYNAMO_PORT, or a lower PORT.');
    process.exit(2);
  }
  return gatewayPort + 1;
}

/** A taken port says which setting to change, without a stack trace. */
function explainPortInUse(error: unknown, gatewayPort: number, dynamo: number): unknown {
  const cause = error as NodeJS.ErrnoException & { port?: number };
  if (cause.code !== 'EADDRINUSE') return error;
  if (cause.port === dynamo && dynamo !== gatewayPort) {
    const setting = process.env['SWITCHYARD_DYNAMO_PORT']
      ? 'Set SWITCHYARD_DYNAMO_PORT to a free port'
      : `It follows PORT (PORT+1 = ${dynamo}): set PORT to another port, or SWITCHYARD_DYNAMO_PORT to a free one`;
    return new Error(`Port ${dynamo} for the embedded DynamoDB is already in use (another npm start?). ${setting}.`);
  }
  return new Error(`Port ${cause.port ?? gatewayPort} is already in use (another npm start?). Set PORT to a free port, e.g. PORT=${gatewayPort + 10} npm start.`);
}

async function main(): Promise<void> {
  answerHelp(__filename);
  const keys = process.env['SWITCHYARD_API_KEYS']?.split(',').map((key) => key.trim()).filter(Boolean);
  const policyFile = process.env['SWITCHYARD_POLICY'] || DEFAULT_POLICY_FILE;
  let document: PolicyDocument;
  try {
    document = JSON.parse(readFileSync(policyFile, 'utf8')) as PolicyDocument;
  } catch (error) {
    throw new Error(`Cannot read the routing policy ${policyFile}: ${(error as Error).message}`);
  }
  const policy = loadPolicy(withSimulatedFaults(document, process.env['SWITCHYARD_MOCK_FAULTS']), policyFile);
  const auth = process.env['SWITCHYARD_AUTH'] || 'open';
  if (auth !== 'open' && auth !== 'managed') {
    console.error(`SWITCHYARD_AUTH must be "managed" (only keys made with npx switchyard keys create --local) or "open" (any key), not "${auth}".`);
    process.exit(2);
  }
  if (auth === 'managed' && keys && keys.length > 0) {
    console.error('Set SWITCHYARD_AUTH=managed or SWITCHYARD_API_KEYS, not both: managed mode accepts only managed keys.');
    process.exit(2);
  }
  const gatewayPort = port('PORT', DEFAULT_PORT);
  const dynamo = dynamoPort(gatewayPort);
  if (dynamo === gatewayPort && dynamo !== 0) {
    console.error(`SWITCHYARD_DYNAMO_PORT must differ from PORT (both are ${dynamo}).`);
    process.exit(2);
  }
  const gateway = await startLocalGateway({
    port: gatewayPort,
    host: process.env['HOST'] || '127.0.0.1',
    policy,
    ...(keys && keys.length > 0 ? { allowedKeys: keys } : {}),
    auth,
    simulate: simulationChoice(process.env['SWITCHYARD_SIMULATE']),
    ...(process.env['SWITCHYARD_DATA_DIR'] ? { dataDir: process.env['SWITCHYARD_DATA_DIR'] } : {}),
    requestTimeoutMs: integer('SWITCHYARD_REQUEST_TIMEOUT_MS', DEFAULT_REQUEST_TIMEOUT_MS),
    dynamoPort: dynamo,
    simulatedLatencyMs: integer('SWITCHYARD_MOCK_LATENCY_MS', 0),
    accessLog: (line) => console.log(line),
  }).catch((error: unknown) => {
    throw explainPortInUse(error, gatewayPort, dynamo);
  });
  const stop = () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before anything is printed: whoever reads the banner may stop us at once.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const listening = Number(new URL(gateway.baseUrl).port);
  writeGatewayState(listening, { baseUrl: gateway.baseUrl, dynamoEndpoint: gateway.dynamo.endpoint, policyFile: resolve(policyFile), pid: process.pid });
  process.once('exit', () => removeGatewayState(listening));
  const tools = listening === DEFAULT_PORT ? 'npm run' : `PORT=${listening} npm run`;

  const simulated = new Map(gateway.providers.map((status) => [status.provider, status]));
  const lines = [
    '',
    `Switchyard local gateway: ${gateway.baseUrl}`,
    '',
    'Providers:',
    ...gateway.providers.map(
      (status) => `  ${status.provider.padEnd(10)} ${status.simulated ? 'SIMULATED' : 'real     '}  (${status.why})`,
    ),
    '',
    'Tiers (first model answers, the rest are the fallback chain):',
    ...TIERS.map((tier) => {
      const chain = gateway.policy.tiers[tier].map((model) => `${model.id}${simulated.get(model.provider)?.simulated ? '*' : ''}`);
      return `  tier ${tier}: ${chain.join(' -> ')}`;
    }),
    `  flagship (savings baseline): ${gateway.policy.flagship.id}`,
    '  * simulated: answered by the mock provider, priced as the real model',
    ...[...gateway.policy.models.values()]
      .filter((model) => model.simulation.failureRate > 0 && simulated.get(model.provider)?.simulated)
      .map((model) => `  ! ${model.id} fails ${Math.round(model.simulation.failureRate * 100)}% of calls (${model.simulation.failures.join(', ')})`),
    ...retiredModelWarnings(gateway.policy.models.values(), utcDay(Date.now())).map((warning) => `  ! ${warning}`),
    '',
    `Ledger: embedded DynamoDB at ${gateway.dynamo.endpoint}, table ${gateway.ledgerTableName}` +
      (process.env['SWITCHYARD_DATA_DIR'] ? ` (data in ${process.env['SWITCHYARD_DATA_DIR']})` : ' (in memory)'),
    auth === 'managed'
      ? `Auth: managed keys only; create one with ${listening === DEFAULT_PORT ? '' : `PORT=${listening} `}npx switchyard keys create --local --name me`
      : keys && keys.length > 0
        ? `Auth: only the ${keys.length} key(s) in SWITCHYARD_API_KEYS`
        : 'Auth: any API key is accepted and names its caller',
    `Usage and budgets: ${tools} report (this day, via GET /v1/usage), ${tools} rollup (what SNS would receive)`,
    '',
    'Try it:',
    `  curl -s ${gateway.baseUrl}/chat/completions \\`,
    `    -H 'Authorization: Bearer ${auth === 'managed' ? '<your managed key>' : keys && keys.length > 0 ? '<one of your SWITCHYARD_API_KEYS>' : 'local-dev'}' -H 'Content-Type: application/json' \\`,
    `    -d '{"model":"auto","messages":[{"role":"user","content":"Extract the city: I flew to Lisbon."}]}'`,
    `  Also: POST ${gateway.baseUrl}/responses (Codex), /messages (Claude Code: ANTHROPIC_BASE_URL=${gateway.baseUrl.replace(/\/v1$/, '')}), /embeddings`,
    '',
    `Worst-case cost of a 1k-token prompt on tier 2: $${formatUsd(
      worstCaseAttemptCost(gateway.policy.tiers[2][0]!, 1000, gateway.policy.limits.defaultMaxTokens),
    )}`,
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
