/**
 * What the router and the attempt function both need in AWS, built once per
 * cold start from the validated environment: provider keys from Secrets
 * Manager, the DynamoDB ledger and circuit store, the provider adapters.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoStores } from '../adapters/dynamodb-stores';
import type { UsageReader } from '../core/usage-aggregates';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AttemptDependencies } from '../core/attempt';
import { ConfigError } from '../core/errors';
import type { Log, MetricSink } from '../core/telemetry';
import { createProviderRegistry } from '../providers/registry';
import type { RuntimeConfig } from './runtime-config';

export async function buildAwsDependencies(config: RuntimeConfig, log: Log, metrics: Metrics): Promise<AttemptDependencies & { usage: UsageReader }> {
  const apiKeys = config.providerSecretArn ? await readProviderKeys(config.providerSecretArn) : {};
  const client = new DynamoDBClient({});
  // Counter ADDs are not idempotent: a retry after a lost response would count twice.
  const counterClient = new DynamoDBClient({ maxAttempts: 1 });
  return {
    policy: config.policy,
    providers: createProviderRegistry(config.policy.providers, { simulate: new Set(), apiKeys }),
    ...createDynamoStores({
      client,
      counterClient,
      tableName: config.ledgerTableName,
      retentionDays: config.ledgerRetentionDays,
      circuitBreaker: config.policy.fallback.circuitBreaker,
    }),
    clock: Date,
    log,
    metrics: metricSink(metrics),
  };
}

/** The core's metrics as single EMF metrics, each with its own dimensions. */
export function metricSink(metrics: Metrics): MetricSink {
  return {
    count(name, dimensions) {
      const single = metrics.singleMetric();
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    },
  };
}

/** The provider secret is a JSON object of key names (the policy's `apiKeyName`) to keys. */
async function readProviderKeys(secretArn: string): Promise<Record<string, string>> {
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret.SecretString ?? '{}');
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('The provider secret is not a JSON object of key names to API keys.');
  }
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
