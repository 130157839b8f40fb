/**
 * Daily aggregates on DynamoDB, as sharded counters in the ledger's table.
 *
 * Each attempt adds to one small item per dimension it belongs to (the total,
 * its tier, model, caller and route), all in one randomly chosen shard of its
 * day: `AGG#<day>#<shard>` / `DIM#<dimension>#<value>`, one attribute per
 * metric, so each update is a single write unit. With 32 shards, 1,000
 * attempts a second put about 34 writes a second on the busiest item and
 * under 200 on a partition key, far below DynamoDB's ~1,000 per partition
 * (`npm run simulate:hot-items`). Reading a day is 32 queries whatever the
 * traffic: their cost grows with the number of callers and models, never
 * with requests.
 */
import { UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttemptRecord } from '../core/ledger';
import {
  countersOf,
  dayOf,
  dimensionsOf,
  sumUsage,
  USAGE_METRICS,
  type CounterRow,
  type UsageDimension,
  type UsageMetric,
  type UsageReader,
} from '../core/usage-aggregates';
import { KEY_PREFIXES, LEDGER_KEYS, queryPartition } from './ledger-table';

export const AGGREGATE_SHARDS = 32;
const DIMENSION = 'DIM#';

export const aggregatePartition = (day: string, shard: number) => `${KEY_PREFIXES.aggregate}${day}#${String(shard).padStart(2, '0')}`;

/** The counter updates of one attempt, one per dimension, all in the shard `shard`. */
export function aggregateUpdates(record: AttemptRecord, shard: number, tableName: string, expiresAt: number): UpdateItemCommand[] {
  const counters = countersOf(record);
  const partition = aggregatePartition(dayOf(record), shard);
  const expressionNames: Record<string, string> = { '#ttl': LEDGER_KEYS.timeToLive };
  const expressionValues: Record<string, AttributeValue> = { ':ttl': { N: String(expiresAt) } };
  const clauses = USAGE_METRICS.map((metric, index) => {
    expressionNames[`#m${index}`] = metric;
    expressionValues[`:v${index}`] = { N: counters[metric].toString() };
    return `#m${index} :v${index}`;
  });
  return dimensionsOf(record).map(
    ({ dimension, value }) =>
      new UpdateItemCommand({
        TableName: tableName,
        Key: { [LEDGER_KEYS.partitionKey]: { S: partition }, [LEDGER_KEYS.sortKey]: { S: `${DIMENSION}${dimension}#${value}` } },
        UpdateExpression: `ADD ${clauses.join(', ')} SET #ttl = :ttl`,
        ExpressionAttributeNames: expressionNames,
        ExpressionAttributeValues: expressionValues,
      }),
  );
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
