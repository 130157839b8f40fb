/**
 * Feedback in the ledger's table: one item per rated request, in its day's
 * partition (`FEEDBACK#<day>` / `REQ#<requestId>`), so a later rating
 * replaces the earlier one and a day's feedback is one query. Kept as long
 * as the attempt records.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FeedbackEntry, FeedbackStore } from '../../core/features/feedback';
import type { Tier } from '../../policy/schema';
import { DEFAULT_LEDGER_RETENTION_DAYS } from '../../contract/deployment';
import { KEY_PREFIXES, LEDGER_KEYS, queryPartition } from './ledger-table';

export function createDynamoFeedbackStore(options: { client: DynamoDBClient; tableName: string; retentionDays?: number }): FeedbackStore {
  const { client, tableName } = options;
  const retentionSeconds = (options.retentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS) * 86_400;
  return {
    async put(entry) {
      const result = await client.send(new PutItemCommand({ TableName: tableName, Item: toItem(entry, retentionSeconds), ReturnValues: 'ALL_OLD' }));
      return { replaced: result.Attributes !== undefined };
    },
    async readDay(day) {
      return (await queryPartition(client, tableName, `${KEY_PREFIXES.feedback}${day}`)).map(fromItem);
    },
  };
}

function toItem(entry: FeedbackEntry, retentionSeconds: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    [LEDGER_KEYS.partitionKey]: { S: `${KEY_PREFIXES.feedback}${entry.day}` },
    [LEDGER_KEYS.sortKey]: { S: `${KEY_PREFIXES.request}${entry.requestId}` },
    requestId: { S: entry.requestId },
    callerId: { S: entry.callerId },
    day: { S: entry.day },
    givenAt: { S: entry.givenAt },
    model: { S: entry.model },
    score: { N: String(entry.score) },
    costNanoUsd: { N: entry.costNanoUsd.toString() },
    [LEDGER_KEYS.timeToLive]: { N: String(Math.floor(Date.parse(entry.givenAt) / 1000) + retentionSeconds) },
  };
  if (entry.tier !== null) item['tier'] = { N: String(entry.tier) };
  if (entry.route !== null) item['route'] = { S: entry.route };
  if (entry.label !== undefined) item['label'] = { S: entry.label };
  if (entry.comment !== undefined) item['comment'] = { S: entry.comment };
  return item;
}

function fromItem(item: Record<string, AttributeValue>): FeedbackEntry {
  return {
    requestId: item['requestId']?.S ?? '',
    callerId: item['callerId']?.S ?? '',
    day: item['day']?.S ?? '',
    givenAt: item['givenAt']?.S ?? '',
    tier: item['tier']?.N === undefined ? null : (Number(item['tier'].N) as Tier),
    route: item['route']?.S ?? null,
    model: item['model']?.S ?? '',
    score: Number(item['score']?.N ?? '0'),
    ...(item['label']?.S === undefined ? {} : { label: item['label'].S }),
    ...(item['comment']?.S === undefined ? {} : { comment: item['comment'].S }),
    costNanoUsd: BigInt(item['costNanoUsd']?.N ?? '0'),
  };
}
