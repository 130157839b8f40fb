/**
 * The local gateway: the Lambda's own handler behind a local HTTP server, an
 * embedded DynamoDB for the ledger, and real providers where credentials are
 * present, the mock provider (labelled simulated) where they are not.
 */
import { createInProcessShadowQueue, runShadowJob } from '../core/features/shadow';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStores } from '../adapters/dynamodb/dynamodb-stores';
import { createDynamoAggregateStore } from '../adapters/dynamodb/dynamodb-aggregates';
import { createLocalAggregateFeed, type LocalAggregateFeed } from './local-aggregate-feed';
import { createDynamoKeyStore } from '../adapters/dynamodb/dynamodb-key-store';
import { createKeyVerifier, type KeyVerifier } from '../core/features/managed-keys';
import type { AttemptDependencies } from '../core/execution/attempt-contract';
import { createGateway } from '../core/gateway/create-gateway';
import type { Policy } from '../policy/policy';
import type { ProviderConfig } from '../policy/schema';
import { createRouterHandler } from '../handlers/create-router-handler';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../contract/deployment';
import { requestScopedLog } from '../handlers/request-scope';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../policy/policy-file';
import { fixedKey, type ApiKeySource } from '../providers/api-keys';
import { createProviderRegistry } from '../providers/registry';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from './dynalite';
import { createLocalFallback } from './local-fallback';
import { createLocalServer } from './http-server';
import { servedCosts } from './served-costs';
import { formatUsd } from '../core/accounting/money';
import type { RequestSummary } from '../core/gateway/types';

export const LEDGER_TABLE_NAME = 'switchyard-ledger';

/** `auto`: simulate each provider whose credentials are missing. */
export type SimulationChoice = 'auto' | 'all' | 'none' | readonly string[];

export interface LocalGatewayOptions {
  /** @default 8787; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** A resolved policy, or the path of a policy file. @default the bundled default policy */
  readonly policy?: Policy | string;
  /** Accept only these API keys. @default any key, which then names its caller */
  readonly allowedKeys?: readonly string[];
  /**
   * `managed`: accept only managed keys from the embedded table (`npx switchyard keys … --local`),
   * as the AWS authorizer does. @default 'open'
   */
  readonly auth?: 'open' | 'managed';
  /** How long a managed key's record is trusted before it is read again. @default 30000 */
  readonly keyCacheMs?: number;
  /** @default 'auto' */
  readonly simulate?: SimulationChoice;
  /** Where provider keys and AWS credentials are looked up. @default process.env */
  readonly environment?: NodeJS.ProcessEnv;
  /** Keep the ledger on disk here. @default in memory */
  readonly dataDir?: string;
  /** Port of the embedded DynamoDB, for `npm run rollup`. @default any free port */
  readonly dynamoPort?: number;
  /** A DynamoDB-speaking server already running, used instead of an embedded one (the benchmark's). */
  readonly dynamoEndpoint?: string;
  /** API Gateway's integration timeout to emulate. @default 29000 */
  readonly requestTimeoutMs?: number;
  /** Latency of simulated providers. @default 0 */
  readonly simulatedLatencyMs?: number;
  /** Send Bedrock calls here (a local Bedrock-speaking server). */
  readonly bedrockEndpoint?: string;
  /** Replaces the fallback workflow's backoff waits, in ms (tests and load runs). */
  readonly retryIntervalMs?: number;
  /** Decides simulated faults. @default Math.random */
  readonly simulationRandom?: () => number;
  readonly accessLog?: (line: string) => void;
  /** How long a ledger record may wait before the in-process aggregator counts it. @default 1000 */
  readonly aggregateWindowMs?: number;
}

export interface ProviderStatus {
  readonly provider: string;
  readonly kind: ProviderConfig['kind'];
  readonly simulated: boolean;
  readonly why: string;
}

export interface LocalGateway {
  /** Base URL for OpenAI clients, ending in `/v1`. */
  readonly baseUrl: string;
  readonly policy: Policy;
  readonly providers: readonly ProviderStatus[];
  readonly dynamo: EmbeddedDynamo;
  readonly ledgerTableName: string;
  /** The same dependencies the gateway uses: for tests that look behind it. */
  readonly dependencies: AttemptDependencies;
  /** The in-process stand-in for the shadow queue: `idle()` resolves once every queued job has run. */
  readonly shadows: { idle(): Promise<void>; pending(): number };
  /** The in-process stand-in for the ledger's stream: `flush()` resolves once usage shows every recorded attempt. */
  readonly aggregates: LocalAggregateFeed;
  close(): Promise<void>;
}

const AWS_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const environment = options.environment ?? process.env;
  const policy =
    typeof options.policy === 'object' ? options.policy : readPolicyFile(options.policy ?? DEFAULT_POLICY_FILE);
  const providers = decideSimulation(policy.providers, options.simulate ?? 'auto', environment);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  const dynamo = await startEmbeddedDynamo({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.dynamoPort !== undefined ? { port: options.dynamoPort } : {}),
    ...(options.dynamoEndpoint ? { endpoint: options.dynamoEndpoint } : {}),
  });
  await ensureLedgerTable(dynamo.client, LEDGER_TABLE_NAME);

  // Locally, metrics would only clutter the console; CloudWatch is not there to read them.
  process.env['POWERTOOLS_METRICS_DISABLED'] ??= 'true';
  const logger = new Logger({ serviceName: 'switchyard-local', logLevel: 'WARN' });
  // The embedded DynamoDB has no streams: the ledger hands its new records to the aggregator itself.
  const aggregates = createLocalAggregateFeed(
    createDynamoAggregateStore({ client: dynamo.counterClient, tableName: LEDGER_TABLE_NAME, writes: 'sequential' }),
    { log: logger, ...(options.aggregateWindowMs !== undefined ? { windowMs: options.aggregateWindowMs } : {}) },
  );
  const stores = createDynamoStores({
    client: dynamo.client,
    counterClient: dynamo.counterClient,
    tableName: LEDGER_TABLE_NAME,
    circuitBreaker: policy.fallback.circuitBreaker,
    onRecorded: (records) => aggregates.push(records),
  });
  const dependencies: AttemptDependencies = {
    policy,
    providers: createProviderRegistry(policy.providers, {
      simulate: new Set(providers.filter((status) => status.simulated).map((status) => status.provider)),
      apiKeys: declaredKeys(policy.providers, environment),
      ...(options.bedrockEndpoint ? { bedrockEndpoint: options.bedrockEndpoint } : {}),
      ...(options.simulationRandom ? { simulationRandom: options.simulationRandom } : {}),
      simulatedLatencyMs: options.simulatedLatencyMs ?? 0,
    }),
    ledger: stores.ledger,
    circuits: stores.circuits,
    budgets: stores.budgets,
    clock: Date,
    log: requestScopedLog(logger),
  };
  const fallback = createLocalFallback(dependencies, {
    timeoutSeconds: Math.ceil(requestTimeoutMs / 1000),
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
  });
  // Shadow jobs run in this process, after their answers have gone, as the SQS-fed worker runs them in AWS.
  const shadows = createInProcessShadowQueue((job) => runShadowJob(job, { ...dependencies, shadowResults: stores.shadowResults }), dependencies.log);
  const gateway = createGateway({ ...dependencies, fallback, usage: stores.usage, feedback: stores.feedback, sessions: stores.sessions, shadows, shadowResults: stores.shadowResults });
  const costs = options.accessLog ? servedCosts() : undefined;
  const handler = createRouterHandler({
    start: async () => ({ gateway, requestTimeoutMs }),
    logger,
    metrics: new Metrics({ namespace: 'Switchyard', serviceName: 'router-local' }),
    ...(costs ? { onServed: (requestId: string, summary: RequestSummary) => summary.attempts > 0 && costs.told(requestId, formatUsd(summary.costNanoUsd)) } : {}),
  });

  const server = createLocalServer({
    handler,
    lambdaTimeoutMs: requestTimeoutMs + 1000,
    receiveTimeoutMs: requestTimeoutMs,
    ...(options.allowedKeys ? { allowedKeys: new Set(options.allowedKeys) } : {}),
    ...(options.auth === 'managed' ? { verifyKey: managedKeyVerifier(dynamo.client, options.keyCacheMs) } : {}),
    ...(options.accessLog ? { accessLog: options.accessLog } : {}),
    ...(costs ? { servedCosts: costs } : {}),
    log: logger,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await aggregates.close();
    await dynamo.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    baseUrl: `http://${host}:${address.port}/v1`,
    policy,
    providers,
    dynamo,
    ledgerTableName: LEDGER_TABLE_NAME,
    dependencies,
    shadows,
    aggregates,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await shadows.idle();
      await aggregates.close();
      await dynamo.close();
    },
  };
}

/** The AWS authorizer's check, on the embedded table. */
function managedKeyVerifier(client: DynamoDBClient, ttlMs = 30_000): KeyVerifier {
  const store = createDynamoKeyStore({ client, tableName: LEDGER_TABLE_NAME });
  return createKeyVerifier((id) => store.get(id), { ttlMs });
}

/** Only the key names the policy declares: never the rest of the environment. */
function declaredKeys(providers: Readonly<Record<string, ProviderConfig>>, environment: NodeJS.ProcessEnv): Record<string, ApiKeySource> {
  const names = Object.values(providers).flatMap((config) => (config.kind === 'openai-compatible' && config.apiKeyName ? [config.apiKeyName] : []));
  return Object.fromEntries(names.map((name) => [name, fixedKey(environment[name])]));
}

export function decideSimulation(
  providers: Readonly<Record<string, ProviderConfig>>,
  choice: SimulationChoice,
  environment: NodeJS.ProcessEnv,
): ProviderStatus[] {
  return Object.entries(providers).map(([provider, config]): ProviderStatus => {
    const status = (simulated: boolean, why: string) => ({ provider, kind: config.kind, simulated, why });
    if (config.kind === 'mock') return status(true, 'the mock provider');
    if (choice === 'all') return status(true, 'SWITCHYARD_SIMULATE=all');
    if (choice === 'none') return status(false, 'SWITCHYARD_SIMULATE=none');
    if (Array.isArray(choice)) {
      return choice.includes(provider) ? status(true, 'listed in SWITCHYARD_SIMULATE') : status(false, 'not listed in SWITCHYARD_SIMULATE');
    }
    if (config.kind === 'bedrock') {
      const found = AWS_CREDENTIAL_VARIABLES.find((name) => environment[name]);
      return found ? status(false, `AWS credentials found (${found})`) : status(true, 'no AWS credentials in the environment');
    }
    if (config.apiKeyName === undefined) return status(false, `no key needed for ${config.baseUrl}`);
    return environment[config.apiKeyName]
      ? status(false, `${config.apiKeyName} is set`)
      : status(true, `${config.apiKeyName} is not set`);
  });
}
