/**
 * Daily aggregates on DynamoDB, as sharded counters in the ledger's table.
 *
 * The aggregator adds each chunk of attempts to one small item per counter
 * (the total, and each tier, model, caller, route and purpose the chunk
 * touched): `AGG#<day>#<shard>` / `DIM#<dimension>#<value>`, one attribute
 * per metric. A chunk's shard is drawn from its marker, so aggregator runs on
 * different stream shards rarely write the same item at once, and a
 * transaction seldom meets a conflict. Reading a day is 32 queries whatever
 * the traffic: their cost grows with the number of callers and models, never
 * with requests.
 */
import { BatchWriteItemCommand, paginateScan, type AttributeValue, type DynamoDBClient, type Update, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { AttemptRecord } from '../../core/accounting/ledger';
import { sumDeltas, type CounterDelta } from '../../core/accounting/ledger-aggregation';
import { recordFromItem } from './dynamodb-ledger';
import {
  sumUsage,
  USAGE_METRICS,
  type CounterRow,
  type UsageDimension,
  type UsageMetric,
  type UsageReader,
} from '../../core/accounting/usage-aggregates';
import { ATTEMPT_SORT_PREFIX, KEY_PREFIXES, LEDGER_KEYS, queryPartition } from './ledger-table';

export const AGGREGATE_SHARDS = 32;
const DIMENSION = 'DIM#';

export const aggregatePartition = (day: string, shard: number) => `${KEY_PREFIXES.aggregate}${day}#${String(shard).padStart(2, '0')}`;

/** The update that adds `delta` to its counter in shard `shard`: one item per counter, one attribute per metric. */
export function counterUpdate(delta: CounterDelta, shard: number, tableName: string, expiresAt: number): Update {
  const expressionNames: Record<string, string> = { '#ttl': LEDGER_KEYS.timeToLive };
  const expressionValues: Record<string, AttributeValue> = { ':ttl': { N: String(expiresAt) } };
  const clauses = USAGE_METRICS.map((metric, index) => {
    expressionNames[`#m${index}`] = metric;
    expressionValues[`:v${index}`] = { N: delta.counters[metric].toString() };
    return `#m${index} :v${index}`;
  });
  return {
    TableName: tableName,
    Key: {
      [LEDGER_KEYS.partitionKey]: { S: aggregatePartition(delta.day, shard) },
      [LEDGER_KEYS.sortKey]: { S: `${DIMENSION}${delta.dimension}#${delta.value}` },
    },
    UpdateExpression: `ADD ${clauses.join(', ')} SET #ttl = :ttl`,
    ExpressionAttributeNames: expressionNames,
    ExpressionAttributeValues: expressionValues,
  };
}

export function createDynamoUsageReader(options: { client: DynamoDBClient; tableName: string }): UsageReader {
  return {
    async readDay(day) {
      const pages = await Promise.all(
        Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => queryPartition(options.client, options.tableName, aggregatePartition(day, shard))),
      );
      return sumUsage(day, pages.flat().flatMap(toRows));
    },
  };
}

function toRows(item: Record<string, AttributeValue>): CounterRow[] {
  const sortKey = item[LEDGER_KEYS.sortKey]?.S ?? '';
  if (!sortKey.startsWith(DIMENSION)) return [];
  const rest = sortKey.slice(DIMENSION.length);
  const separator = rest.indexOf('#');
  const counters = Object.fromEntries(USAGE_METRICS.map((metric) => [metric, BigInt(item[metric]?.N ?? '0')])) as Record<UsageMetric, bigint>;
  return [{ dimension: rest.slice(0, separator) as UsageDimension, value: rest.slice(separator + 1), counters }];
}

export interface RebuildResult {
  readonly day: string;
  /** The day's attempt records found. */
  readonly attempts: number;
  /** Counter items written (each holds a counter's whole day). */
  readonly counters: number;
  /** Aggregate items of the day that were replaced. */
  readonly replaced: number;
  /** Table items the scan read, to cost it. */
  readonly scanned: number;
}

/**
 * Recomputes a day's aggregates from its attempt records, the source of
 * truth: a repair after a batch reached the aggregator's on-failure queue.
 * Records are keyed by request, not by day, so this scans the table (a
 * repair, never a runtime path). It then writes each counter's whole day
 * into shard 0, after deleting the day's other aggregate items. Run it for a
 * day the aggregator has finished with: counts it adds meanwhile could be lost.
 */
export async function rebuildDay(options: { client: DynamoDBClient; tableName: string; day: string; expiresAt: number }): Promise<RebuildResult> {
  const { client, tableName, day } = options;
  const records: AttemptRecord[] = [];
  let scanned = 0;
  const pages = paginateScan(
    { client },
    {
      TableName: tableName,
      FilterExpression: 'begins_with(#sk, :attempt) AND #day = :day',
      ExpressionAttributeNames: { '#sk': LEDGER_KEYS.sortKey, '#day': 'day' },
      ExpressionAttributeValues: { ':attempt': { S: ATTEMPT_SORT_PREFIX }, ':day': { S: day } },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    scanned += page.ScannedCount ?? 0;
    records.push(...(page.Items ?? []).map(recordFromItem));
  }
  const deltas = sumDeltas(records);
  const fresh = deltas.map((delta) => counterItem(delta, options.expiresAt));
  const keep = new Set(fresh.map((item) => `${item[LEDGER_KEYS.partitionKey]!.S}|${item[LEDGER_KEYS.sortKey]!.S}`));
  const existing = (await Promise.all(Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => queryPartition(client, tableName, aggregatePartition(day, shard))))).flat();
  const stale = existing.filter((item) => !keep.has(`${item[LEDGER_KEYS.partitionKey]!.S}|${item[LEDGER_KEYS.sortKey]!.S}`));
  // Stale items go first: a reader in between sees the day short, never counted twice (which could send a false budget alert).
  const writes: WriteRequest[] = [
    ...stale.map((item) => ({ DeleteRequest: { Key: { [LEDGER_KEYS.partitionKey]: item[LEDGER_KEYS.partitionKey]!, [LEDGER_KEYS.sortKey]: item[LEDGER_KEYS.sortKey]! } } })),
    ...fresh.map((Item) => ({ PutRequest: { Item } })),
  ];
  for (let start = 0; start < writes.length; start += 25) {
    let pending: WriteRequest[] = writes.slice(start, start + 25);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** round)));
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = result.UnprocessedItems?.[tableName] ?? [];
    }
  }
  return { day, attempts: records.length, counters: fresh.length, replaced: existing.length, scanned };
}

/** A counter's whole value as an item of shard 0. */
function counterItem(delta: CounterDelta, expiresAt: number): Record<string, AttributeValue> {
  return {
    [LEDGER_KEYS.partitionKey]: { S: aggregatePartition(delta.day, 0) },
    [LEDGER_KEYS.sortKey]: { S: `${DIMENSION}${delta.dimension}#${delta.value}` },
    ...Object.fromEntries(USAGE_METRICS.map((metric) => [metric, { N: delta.counters[metric].toString() }])),
    [LEDGER_KEYS.timeToLive]: { N: String(expiresAt) },
  };
}
