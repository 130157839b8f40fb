/**
 * Daily aggregates on DynamoDB, as sharded counters in the ledger's table.
 *
 * Each attempt adds to two items of one randomly chosen shard of its day:
 * `AGG#<day>#<shard>` / `DIMS` (the total and the tier, model and route
 * counters, one attribute per metric and value) and `AGG#<day>#<shard>` /
 * `CALLER#<id>`. With 32 shards, 1,000 attempts a second put about 31 writes a
 * second on any one item, far below DynamoDB's ~1,000 per partition
 * (`npm run simulate:hot-items` shows the distribution). Reading a day is 32
 * queries whatever the traffic: their cost grows with the number of callers
 * and models, never with requests.
 */
import { QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
import { LEDGER_KEYS } from './ledger-table';

export const AGGREGATE_SHARDS = 32;
const DIMS = 'DIMS';
const CALLER = 'CALLER#';
const SEPARATOR = '|';

export const aggregatePartition = (day: string, shard: number) => `AGG#${day}#${String(shard).padStart(2, '0')}`;

/** The two counter updates of one attempt, in the shard `shard`. */
export function aggregateUpdates(record: AttemptRecord, shard: number, tableName: string, expiresAt: number): UpdateItemCommand[] {
  const counters = countersOf(record);
  const partition = aggregatePartition(dayOf(record), shard);
  const add = (sortKey: string, names: [string, UsageMetric][]) => {
    const expressionNames: Record<string, string> = { '#ttl': LEDGER_KEYS.timeToLive };
    const expressionValues: Record<string, AttributeValue> = { ':ttl': { N: String(expiresAt) } };
    const clauses = names.map(([name, metric], index) => {
      expressionNames[`#a${index}`] = name;
      expressionValues[`:v${index}`] = { N: counters[metric].toString() };
      return `#a${index} :v${index}`;
    });
    return new UpdateItemCommand({
      TableName: tableName,
      Key: { [LEDGER_KEYS.partitionKey]: { S: partition }, [LEDGER_KEYS.sortKey]: { S: sortKey } },
      UpdateExpression: `ADD ${clauses.join(', ')} SET #ttl = :ttl`,
      ExpressionAttributeNames: expressionNames,
      ExpressionAttributeValues: expressionValues,
    });
  };
  const dims = dimensionsOf(record).filter((entry) => entry.dimension !== 'caller');
  return [
    add(
      DIMS,
      dims.flatMap(({ dimension, value }) => USAGE_METRICS.map((metric): [string, UsageMetric] => [[metric, dimension, value].join(SEPARATOR), metric])),
    ),
    add(`${CALLER}${record.callerId}`, USAGE_METRICS.map((metric): [string, UsageMetric] => [metric, metric])),
  ];
}

export function createDynamoUsageReader(options: { client: DynamoDBClient; tableName: string }): UsageReader {
  return {
    async readDay(day) {
      const pages = await Promise.all(
        Array.from({ length: AGGREGATE_SHARDS }, (_, shard) => queryAll(options.client, options.tableName, aggregatePartition(day, shard))),
      );
      return sumUsage(day, pages.flat().flatMap(toRows));
    },
  };
}

async function queryAll(client: DynamoDBClient, tableName: string, partition: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
        ExpressionAttributeValues: { ':pk': { S: partition } },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

function toRows(item: Record<string, AttributeValue>): CounterRow[] {
  const sortKey = item[LEDGER_KEYS.sortKey]?.S ?? '';
  const numbers = Object.entries(item).filter(([, value]) => value.N !== undefined);
  if (sortKey.startsWith(CALLER)) {
    const counters = Object.fromEntries(USAGE_METRICS.map((metric) => [metric, BigInt(item[metric]?.N ?? '0')])) as Record<UsageMetric, bigint>;
    return [{ dimension: 'caller', value: sortKey.slice(CALLER.length), counters }];
  }
  if (sortKey !== DIMS) return [];
  const rows = new Map<string, { dimension: UsageDimension; value: string; counters: Record<UsageMetric, bigint> }>();
  for (const [name, value] of numbers) {
    const [metric, dimension, ...rest] = name.split(SEPARATOR);
    if (!USAGE_METRICS.includes(metric as UsageMetric) || dimension === undefined) continue;
    const key = `${dimension}${SEPARATOR}${rest.join(SEPARATOR)}`;
    const row = rows.get(key) ?? {
      dimension: dimension as UsageDimension,
      value: rest.join(SEPARATOR),
      counters: Object.fromEntries(USAGE_METRICS.map((entry) => [entry, 0n])) as Record<UsageMetric, bigint>,
    };
    row.counters[metric as UsageMetric] = BigInt(value.N!);
    rows.set(key, row);
  }
  return [...rows.values()];
}
