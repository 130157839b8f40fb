/**
 * The ledger on DynamoDB: one item per attempt, keyed by request id and
 * attempt number and written with `attribute_not_exists`, so a retried write
 * can never count an attempt twice. That one conditional PutItem is all the
 * request path writes: the daily aggregates are built from the table's
 * change feed of new records, off the path (`core/accounting/ledger-aggregation.ts`).
 */
import {
  ConditionalCheckFailedException,
  paginateQuery,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { purposeOf, type AttemptOutcome, type AttemptPurpose, type AttemptRecord, type Ledger } from '../../core/accounting/ledger';
import type { Tier } from '../../policy/schema';
import { DAY_SECONDS } from '../../core/base/utc-day';
import { DEFAULT_LEDGER_RETENTION_DAYS } from '../../contract/deployment';
import { ATTEMPT_SORT_PREFIX, KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';


export interface DynamoLedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * Told of each record this ledger wrote (not one that was already there),
   * as DynamoDB's stream tells the aggregator in AWS: local mode's feed.
   * @default nobody
   */
  readonly onRecorded?: (records: readonly AttemptRecord[]) => void;
  /** How long attempt records live before DynamoDB's TTL removes them. @default 90 */
  readonly retentionDays?: number;
}


export function createDynamoLedger(options: DynamoLedgerOptions): Ledger {
  const retentionSeconds = (options.retentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS) * DAY_SECONDS;
  const expiresAt = () => ({ N: String(Math.floor(Date.now() / 1000) + retentionSeconds) });
  return {
    /** Writes each record once: a replayed record finds its item and changes nothing. */
    async record(records) {
      const written = await Promise.all(
        records.map(async (record) => {
          try {
            await options.client.send(
              new PutItemCommand({
                TableName: options.tableName,
                Item: attemptItem(record, retentionSeconds),
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
              }),
            );
          } catch (error) {
            if (error instanceof ConditionalCheckFailedException) return [];
            throw error;
          }
          return [record];
        }),
      );
      if (options.onRecorded && written.flat().length > 0) options.onRecorded(written.flat());
    },

    async nextAttempt(requestId, offset) {
      const result = await options.client.send(
        new UpdateItemCommand({
          TableName: options.tableName,
          Key: { [LEDGER_KEYS.partitionKey]: { S: requestKey(requestId) }, [LEDGER_KEYS.sortKey]: { S: 'COUNTER' } },
          UpdateExpression: 'ADD handedOut :one SET #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': LEDGER_KEYS.timeToLive },
          ExpressionAttributeValues: { ':one': { N: '1' }, ':ttl': expiresAt() },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return offset + Number(result.Attributes!['handedOut']!.N);
    },

    async recordsFor(requestId) {
      const records: AttemptRecord[] = [];
      const pages = paginateQuery(
        { client: options.client },
        {
          TableName: options.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :attempt)',
          ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey, '#sk': LEDGER_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': { S: requestKey(requestId) }, ':attempt': { S: ATTEMPT_SORT_PREFIX } },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) records.push(...(page.Items ?? []).map(recordFromItem));
      return records;
    },
  };
}

const requestKey = (requestId: string) => `${KEY_PREFIXES.request}${requestId}`;

export function attemptKey(requestId: string, attempt: number): Record<string, AttributeValue> {
  return {
    [LEDGER_KEYS.partitionKey]: { S: requestKey(requestId) },
    [LEDGER_KEYS.sortKey]: { S: `${ATTEMPT_SORT_PREFIX}${String(attempt).padStart(3, '0')}` },
  };
}

/** The item an attempt is stored as. */
export function attemptItem(record: AttemptRecord, retentionSeconds: number): Record<string, AttributeValue> {
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
    estimated: { BOOL: record.estimated },
    [LEDGER_KEYS.timeToLive]: { N: String(startedSeconds + retentionSeconds) },
  };
  if (record.usage.reasoning !== undefined) item['reasoningTokens'] = { N: String(record.usage.reasoning) };
  if (record.tier !== null) item['tier'] = { N: String(record.tier) };
  if (record.route !== null) item['route'] = { S: record.route };
  if (purposeOf(record) !== 'answer') item['purpose'] = { S: purposeOf(record) };
  return item;
}

const TEXT_FIELDS = ['requestId', 'startedAt', 'callerId', 'provider', 'model', 'outcome'] as const;
const INTEGER_FIELDS = ['attempt', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costNanoUsd', 'flagshipCostNanoUsd'] as const;

/** An item from outside this code (a stream record, an export) as an attempt, or `undefined` when it is not a whole one. */
export function readableAttempt(item: Record<string, AttributeValue>): AttemptRecord | undefined {
  if (TEXT_FIELDS.some((field) => typeof item[field]?.S !== 'string')) return undefined;
  if (INTEGER_FIELDS.some((field) => !/^\d+$/.test(item[field]?.N ?? ''))) return undefined;
  if (Number.isNaN(Date.parse(item['startedAt']!.S!))) return undefined;
  return recordFromItem(item);
}

/** An attempt record from its item, as read back or as a stream record's new image carries it. */
export function recordFromItem(item: Record<string, AttributeValue>): AttemptRecord {
  const text = (name: string) => item[name]?.S ?? '';
  const number = (name: string) => Number(item[name]?.N ?? '0');
  return {
    requestId: text('requestId'),
    attempt: number('attempt'),
    startedAt: text('startedAt'),
    callerId: text('callerId'),
    tier: item['tier']?.N === undefined ? null : (Number(item['tier'].N) as Tier),
    route: item['route']?.S ?? null,
    provider: text('provider'),
    model: text('model'),
    usage: {
      input: number('inputTokens'),
      output: number('outputTokens'),
      cacheRead: number('cacheReadTokens'),
      cacheWrite: number('cacheWriteTokens'),
      ...(item['reasoningTokens']?.N !== undefined ? { reasoning: number('reasoningTokens') } : {}),
    },
    costNanoUsd: BigInt(item['costNanoUsd']?.N ?? '0'),
    flagshipCostNanoUsd: BigInt(item['flagshipCostNanoUsd']?.N ?? '0'),
    latencyMs: number('latencyMs'),
    outcome: text('outcome') as AttemptOutcome,
    simulated: item['simulated']?.BOOL ?? false,
    estimated: item['estimated']?.BOOL ?? false,
    ...(item['purpose']?.S !== undefined ? { purpose: item['purpose'].S as AttemptPurpose } : {}),
  };
}
