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
  budget: 'BUDGET#',
  circuit: 'CIRCUIT#',
  alert: 'ALERT#',
  summary: 'SUMMARY#',
  /** A day's feedback, one item per rated request. */
  feedback: 'FEEDBACK#',
  /** A route's (or tier's) day of shadow results, one item per shadowed request. */
  shadow: 'SHADOW#',
  /** One partition holds every managed key (`KEY#<id>`) and live name (`NAME#<name>`). */
  apiKey: 'APIKEY',
} as const;

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
