/**
 * The one DynamoDB table: attempt records, attempt counters, circuits and
 * daily aggregates, told apart by key prefixes. Its key schema is shared by the
 * CDK construct, the local gateway and the tests.
 */
import { paginateQuery, type AttributeValue, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** The table's key schema, shared by the CDK construct and the local gateway. */
export const LEDGER_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const;

/**
 * Partition-key prefixes, one per kind of item. The rollup's IAM condition is
 * built from `alert` and `summary`, so they are imported there, never retyped.
 */
export const KEY_PREFIXES = {
  request: 'REQ#',
  aggregate: 'AGG#',
  /** One per chunk of attempts the aggregator counted, keyed by its first stream record: what makes a redelivery count nothing twice. */
  aggregateMarker: 'AGGMARK#',
  budget: 'BUDGET#',
  circuit: 'CIRCUIT#',
  /** One per agent session: the tier it holds (session affinity). */
  session: 'SESSION#',
  alert: 'ALERT#',
  summary: 'SUMMARY#',
  /** A day's feedback, one item per rated request. */
  feedback: 'FEEDBACK#',
  /** A route's (or tier's) day of shadow results, one item per shadowed request. */
  shadow: 'SHADOW#',
  /** One partition holds every managed key (`KEY#<id>`) and live name (`NAME#<name>`). */
  apiKey: 'APIKEY',
} as const;

/**
 * The attributes of a managed key's record that its budget is read from (its
 * id, limits and revocation, and the table's keys, as DynamoDB's IAM
 * condition `dynamodb:Attributes` counts them): never its secret's hash.
 */
export const KEY_BUDGET_ATTRIBUTES = [LEDGER_KEYS.partitionKey, LEDGER_KEYS.sortKey, 'keyId', 'limits', 'revokedAt'] as const;

/** The sort-key prefix of attempt records (under `REQ#<id>`): what the aggregator's stream filter lets through. */
export const ATTEMPT_SORT_PREFIX = 'ATTEMPT#';

/**
 * How the aggregator's event source mapping batches the ledger's stream: at
 * most this many records, or this many seconds after the first. The window
 * is the lag of the aggregates behind the ledger, besides the stream's own
 * delivery (usually under a second); the batch is what spreads the
 * aggregator's writes over many attempts.
 */
export const AGGREGATOR_BATCHING = { batchSize: 500, windowSeconds: 30 } as const;

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

/** Every item of one partition, page by page: a day's aggregates shard, feedback or shadow results. */
export async function queryPartition(client: DynamoDBClient, tableName: string, partition: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
      ExpressionAttributeValues: { ':pk': { S: partition } },
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}
