/**
 * What the router and the attempt function both need in AWS, built once per
 * cold start from the validated environment: provider keys from Secrets
 * Manager, the DynamoDB ledger and circuit store, the provider adapters.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoStores } from '../adapters/dynamodb/dynamodb-stores';
import { xrayTracingFrom, type AwsClientTracer } from '../adapters/xray-subsegments';
import type { UsageReader } from '../core/accounting/usage-aggregates';
import type { FeedbackStore } from '../core/features/feedback';
import type { ShadowResultStore } from '../core/features/shadow';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AttemptDependencies } from '../core/execution/attempt-contract';
import { ConfigError } from '../core/base/errors';
import type { Log, MetricSink } from '../core/base/telemetry';
import { cachedKey } from '../providers/api-keys';
import { createProviderRegistry } from '../providers/registry';
import type { RuntimeConfig } from './runtime-config';

/** @param trace wraps each SDK client; the caller's, so one process sends subsegments through one socket */
export async function buildAwsDependencies(
  config: RuntimeConfig,
  log: Log,
  metrics: Metrics,
  trace: AwsClientTracer = xrayTracingFrom(process.env),
): Promise<AttemptDependencies & { usage: UsageReader; feedback: FeedbackStore; shadowResults: ShadowResultStore }> {
  const secrets = trace(new SecretsManagerClient({}));
  // Read when first needed and again every few minutes, so a pasted or rotated key reaches warm instances.
  const apiKeys = Object.fromEntries(
    Object.entries(config.providerSecretArns).map(([name, arn]) => [name, cachedKey(() => readProviderKey(secrets, arn, name))]),
  );
  const client = trace(new DynamoDBClient({}));
  // Counter ADDs are not idempotent: a retry after a lost response would count twice.
  const counterClient = trace(new DynamoDBClient({ maxAttempts: 1 }));
  return {
    policy: config.policy,
    providers: createProviderRegistry(config.policy.providers, { simulate: new Set(), apiKeys, traceClient: trace }),
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

/** One provider's key: the whole secret string, as `aws secretsmanager put-secret-value` leaves it. */
async function readProviderKey(client: SecretsManagerClient, secretArn: string, name: string): Promise<string> {
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const key = secret.SecretString?.trim();
  if (!key) throw new ConfigError(`The secret for ${name} is empty: put the provider's API key in it.`);
  return key;
}
