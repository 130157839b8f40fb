/**
 * The router Lambda's entry point: reads its environment once at cold start,
 * fetches provider keys from Secrets Manager, and serves through the shared
 * handler.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoLedger } from '../adapters/dynamodb-ledger';
import { ConfigError } from '../core/errors';
import { createGateway } from '../core/gateway';
import { createProviderRegistry } from '../providers/registry';
import { createRouterHandler, type RouterHandler, type RouterRuntime } from './create-router-handler';
import { readRuntimeConfig, type RuntimeConfig } from './runtime-config';

/** Starts the router from its Lambda environment: policy, ledger, provider keys. */
export async function startFromEnvironment(config: RuntimeConfig, logger: Logger): Promise<RouterRuntime> {
  const apiKeys = config.providerSecretArn ? await readProviderKeys(config.providerSecretArn) : {};
  const gateway = createGateway({
    policy: config.policy,
    providers: createProviderRegistry(config.policy.providers, { simulate: new Set(), apiKeys }),
    ledger: createDynamoLedger({
      client: new DynamoDBClient({}),
      tableName: config.ledgerTableName,
      retentionDays: config.ledgerRetentionDays,
    }),
    clock: Date,
    log: logger,
  });
  return { gateway, requestTimeoutMs: config.requestTimeoutMs };
}

/** The provider secret is a JSON object of key names (the policy's `apiKeyName`) to keys. */
async function readProviderKeys(secretArn: string): Promise<Record<string, string>> {
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret.SecretString ?? '{}');
  } catch {
    throw new ConfigError('The provider secret is not a JSON object of key names to API keys.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('The provider secret is not a JSON object of key names to API keys.');
  }
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const logger = new Logger();
const metrics = new Metrics({ namespace: 'Switchyard', serviceName: 'router' });

/** The Lambda entry point. */
export const handler: RouterHandler = createRouterHandler({
  start: () => startFromEnvironment(readRuntimeConfig(process.env), logger),
  logger,
  metrics,
});
