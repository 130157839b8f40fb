/**
 * The ledger on DynamoDB: one item per attempt, keyed by request id and
 * attempt number and written with `attribute_not_exists`, so a retried write
 * can never count an attempt twice.
 */
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { AttemptRecord, Ledger } from '../core/ledger';

/** The table's key schema, shared by the CDK construct and the local gateway. */
export const LEDGER_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

export interface DynamoLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long attempt records live before DynamoDB's TTL removes them. @default 90 */
  readonly retentionDays?: number;
}

const SECONDS_PER_DAY = 86_400;

export function createDynamoLedger(options: DynamoLedgerOptions): Ledger {
  const retentionSeconds = (options.retentionDays ?? 90) * SECONDS_PER_DAY;
  return {
    async record(records) {
      await Promise.all(
        records.map(async (record) => {
          try {
            await options.client.send(
              new PutItemCommand({
                TableName: options.tableName,
                Item: toItem(record, retentionSeconds),
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
              }),
            );
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }
        }),
      );
    },
  };
}

export function attemptKey(requestId: string, attempt: number): Record<string, AttributeValue> {
  return {
    [LEDGER_KEYS.partitionKey]: { S: `REQ#${requestId}` },
    [LEDGER_KEYS.sortKey]: { S: `ATTEMPT#${String(attempt).padStart(3, '0')}` },
  };
}

function toItem(record: AttemptRecord, retentionSeconds: number): Record<string, AttributeValue> {
  const startedSeconds = Math.floor(Date.parse(record.startedAt) / 1000);
  const item: Record<string, AttributeValue> = {
    ...attemptKey(record.requestId, record.attempt),
    requestId: { S: record.requestId },
    attempt: { N: String(record.attempt) },
    startedAt: { S: record.startedAt },
    day: { S: record.startedAt.slice(0, 10) },
    callerId: { S: record.callerId },
    provider: { S: record.provider },
    model: { S: record.model },
    inputTokens: { N: String(record.usage.input) },
    outputTokens: { N: String(record.usage.output) },
    cacheReadTokens: { N: String(record.usage.cacheRead) },
    cacheWriteTokens: { N: String(record.usage.cacheWrite) },
    costNanoUsd: { N: record.costNanoUsd.toString() },
    flagshipCostNanoUsd: { N: record.flagshipCostNanoUsd.toString() },
    latencyMs: { N: String(Math.round(record.latencyMs)) },
    outcome: { S: record.outcome },
    simulated: { BOOL: record.simulated },
    [LEDGER_KEYS.timeToLive]: { N: String(startedSeconds + retentionSeconds) },
  };
  if (record.tier !== null) item['tier'] = { N: String(record.tier) };
  if (record.route !== null) item['route'] = { S: record.route };
  return item;
}

/** Table definition for the local gateway and the tests; CDK builds the same from LEDGER_KEYS. */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: LEDGER_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: LEDGER_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: LEDGER_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: LEDGER_KEYS.sortKey, KeyType: 'RANGE' },
    ],
  };
}
