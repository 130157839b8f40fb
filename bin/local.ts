/**
 * `npm start`: the local gateway on http://127.0.0.1:8787 with embedded
 * defaults. Every setting is an environment variable; see the README.
 */
import { formatUsd } from '../lambda/core/money';
import { TIERS } from '../lambda/core/policy';
import { worstCaseAttemptCost } from '../lambda/core/budgets';
import { readFileSync } from 'node:fs';
import { loadPolicy, type PolicyDocument } from '../lambda/core/policy';
import { DEFAULT_DYNAMO_PORT, startLocalGateway, type SimulationChoice } from '../lambda/local/local-gateway';
import { DEFAULT_POLICY_FILE } from '../lambda/policy/policy-file';
import { withSimulatedFaults } from '../lambda/local/simulated-faults';

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

async function main(): Promise<void> {
  const keys = process.env['SWITCHYARD_API_KEYS']?.split(',').map((key) => key.trim()).filter(Boolean);
  const policyFile = process.env['SWITCHYARD_POLICY'] || DEFAULT_POLICY_FILE;
  let document: PolicyDocument;
  try {
    document = JSON.parse(readFileSync(policyFile, 'utf8')) as PolicyDocument;
  } catch (error) {
    throw new Error(`Cannot read the routing policy ${policyFile}: ${(error as Error).message}`);
  }
  const policy = loadPolicy(withSimulatedFaults(document, process.env['SWITCHYARD_MOCK_FAULTS']), policyFile);
  const gateway = await startLocalGateway({
    port: integer('PORT', 8787),
    host: process.env['HOST'] || '127.0.0.1',
    policy,
    ...(keys && keys.length > 0 ? { allowedKeys: keys } : {}),
    simulate: simulationChoice(process.env['SWITCHYARD_SIMULATE']),
    ...(process.env['SWITCHYARD_DATA_DIR'] ? { dataDir: process.env['SWITCHYARD_DATA_DIR'] } : {}),
    requestTimeoutMs: integer('SWITCHYARD_REQUEST_TIMEOUT_MS', 29_000),
    dynamoPort: integer('SWITCHYARD_DYNAMO_PORT', DEFAULT_DYNAMO_PORT),
    simulatedLatencyMs: integer('SWITCHYARD_MOCK_LATENCY_MS', 0),
    accessLog: (line) => console.log(line),
  });

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
    '',
    `Ledger: embedded DynamoDB at ${gateway.dynamo.endpoint}, table ${gateway.ledgerTableName}` +
      (process.env['SWITCHYARD_DATA_DIR'] ? ` (data in ${process.env['SWITCHYARD_DATA_DIR']})` : ' (in memory)'),
    keys && keys.length > 0 ? `Auth: only the ${keys.length} key(s) in SWITCHYARD_API_KEYS` : 'Auth: any API key is accepted and names its caller',
    'Usage and budgets: npm run report (this day, via GET /v1/usage), npm run rollup (what SNS would receive)',
    '',
    'Try it:',
    `  curl -s ${gateway.baseUrl}/chat/completions \\`,
    `    -H 'Authorization: Bearer ${keys?.[0] ?? 'local-dev'}' -H 'Content-Type: application/json' \\`,
    `    -d '{"model":"auto","messages":[{"role":"user","content":"Extract the city: I flew to Lisbon."}]}'`,
    '',
    `Worst-case cost of a 1k-token prompt on tier 2: $${formatUsd(
      worstCaseAttemptCost(gateway.policy.tiers[2][0]!, 1000, gateway.policy.limits.defaultMaxTokens),
    )}`,
    'Press Ctrl+C to stop.',
    '',
  ];
  console.log(lines.join('\n'));

  const stop = () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
