/**
 * The aggregator's writes on DynamoDB: a chunk's counter updates and its
 * marker as one `TransactWriteItems`, the marker's `Put` conditioned on the
 * marker not existing. If it exists, the whole transaction is cancelled,
 * nothing is added, and the marker (returned with the cancellation) says how
 * far the earlier chunk went.
 *
 * The embedded DynamoDB of local mode (dynalite) has no transactions. There
 * the same items are written one by one: each counter only if the chunk has
 * not already added to it (the counter remembers the last chunk), the marker
 * last. A single in-process feed applies one chunk at a time and delivers a
 * failed one again unchanged, so a chunk cut short by an error is finished,
 * never counted twice; only a crash of the process mid-chunk leaves the day
 * short, and `npm run rebuild-aggregates` repairs a day from its records.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AggregateChunk, AggregateStore, ChunkOutcome } from '../../core/accounting/ledger-aggregation';
import { DAY_SECONDS } from '../../core/base/utc-day';
import { DEFAULT_LEDGER_RETENTION_DAYS } from '../../contract/deployment';
import { sendCounterUpdate } from './counter-writes';
import { AGGREGATE_SHARDS, counterUpdate } from './dynamodb-usage';
import { KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';

/** A marker only has to outlive redeliveries of its records: the stream keeps them 24 hours. */
const MARKER_LIFETIME_SECONDS = 2 * DAY_SECONDS;
const CONFLICT_RETRIES = 4;

export interface DynamoAggregateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a day's counters live. @default DEFAULT_LEDGER_RETENTION_DAYS */
  readonly retentionDays?: number;
  /**
   * `transaction`: one TransactWriteItems per chunk (DynamoDB). `sequential`:
   * the same items one by one, the marker first, for a store without
   * transactions (dynalite); give `client` no SDK retries there, as a
   * counter ADD retried after a lost response would count twice.
   * @default 'transaction'
   */
  readonly writes?: 'transaction' | 'sequential';
}

export function createDynamoAggregateStore(options: DynamoAggregateStoreOptions): AggregateStore {
  const retentionSeconds = (options.retentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS) * DAY_SECONDS;
  const request = (chunk: AggregateChunk) => aggregateTransaction(chunk, options.tableName, Math.floor(Date.now() / 1000), retentionSeconds);
  if (options.writes === 'sequential') {
    return {
      async apply(chunk) {
        const [marker, ...counters] = request(chunk).TransactItems!;
        const existing = await options.client.send(new GetItemCommand({ TableName: options.tableName, Key: markerKey(chunk.markerId), ConsistentRead: true }));
        if (existing.Item) return { applied: false, through: existing.Item['through']!.S! };
        for (const { Update: update } of counters) {
          try {
            await sendCounterUpdate(
              options.client,
              new UpdateItemCommand({
                ...update!,
                UpdateExpression: `${update!.UpdateExpression!}, #chunk = :chunk`,
                ConditionExpression: 'attribute_not_exists(#chunk) OR #chunk <> :chunk',
                ExpressionAttributeNames: { ...update!.ExpressionAttributeNames, '#chunk': 'lastChunk' },
                ExpressionAttributeValues: { ...update!.ExpressionAttributeValues, ':chunk': { S: chunk.markerId } },
              }),
            );
          } catch (error) {
            // This chunk added to the counter before it was cut short.
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }
        }
        await options.client.send(new PutItemCommand(marker!.Put!));
        return { applied: true };
      },
    };
  }
  return {
    async apply(chunk) {
      const input = request(chunk);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await options.client.send(new TransactWriteItemsCommand(input));
          return { applied: true };
        } catch (error) {
          const outcome = cancelledBecause(error);
          if (outcome === 'conflict' && attempt < CONFLICT_RETRIES) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
            continue;
          }
          if (outcome !== undefined && outcome !== 'conflict') return outcome;
          throw error;
        }
      }
    },
  };
}

/**
 * The transaction for one chunk: the marker first (created only if new; its
 * old value returned if not), then one ADD per counter. The chunk's shard is
 * drawn from its marker id, so a redelivered chunk would target the same items.
 */
export function aggregateTransaction(chunk: AggregateChunk, tableName: string, nowSeconds: number, retentionSeconds: number): TransactWriteItemsCommandInput {
  const shard = shardOf(chunk.markerId);
  return {
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...markerKey(chunk.markerId),
            through: { S: chunk.through },
            attempts: { N: String(chunk.attempts) },
            [LEDGER_KEYS.timeToLive]: { N: String(nowSeconds + MARKER_LIFETIME_SECONDS) },
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...chunk.deltas.map((delta) => ({ Update: counterUpdate(delta, shard, tableName, nowSeconds + retentionSeconds) })),
    ],
  };
}

const markerKey = (markerId: string) => ({
  [LEDGER_KEYS.partitionKey]: { S: `${KEY_PREFIXES.aggregateMarker}${markerId}` },
  [LEDGER_KEYS.sortKey]: { S: 'MARK' },
});

/** FNV-1a of the marker id, onto the aggregate shards. */
function shardOf(markerId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < markerId.length; index += 1) hash = Math.imul(hash ^ markerId.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % AGGREGATE_SHARDS;
}

/** Why a transaction was cancelled, when that is an answer: its marker existed (the earlier chunk's reach), or another write held an item. */
function cancelledBecause(error: unknown): Exclude<ChunkOutcome, { applied: true }> | 'conflict' | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const [marker, ...counters] = error.CancellationReasons ?? [];
  const through = marker?.Item?.['through']?.S;
  if (marker?.Code === 'ConditionalCheckFailed' && through !== undefined) return { applied: false, through };
  if ([marker, ...counters].some((reason) => reason?.Code === 'TransactionConflict')) return 'conflict';
  return undefined;
}
