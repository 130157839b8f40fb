/**
 * The rollup's state in the ledger's table: one conditional item per alert
 * sent (so each goes out once a day however many rollups run), and the day's
 * summary.
 */
import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AlertClaims, SummaryStore } from '../../core/accounting/rollup';
import { DAY_SECONDS, startOfUtcDay } from '../../core/base/utc-day';
import { KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';


/** A claim not confirmed within this long belongs to a rollup that died before sending. */
const STALE_CLAIM_MS = 10 * 60 * 1000;

export function createDynamoAlertClaims(options: { client: DynamoDBClient; tableName: string; now?: () => number }): AlertClaims {
  const now = options.now ?? Date.now;
  const key = (alertKey: string) => ({ [LEDGER_KEYS.partitionKey]: { S: `${KEY_PREFIXES.alert}${alertKey}` }, [LEDGER_KEYS.sortKey]: { S: 'CLAIM' } });
  const mark = (alertKey: string, state: 'sent' | 'released') =>
    options.client.send(
      new UpdateItemCommand({
        TableName: options.tableName,
        Key: key(alertKey),
        UpdateExpression: 'SET #claim = :state',
        ExpressionAttributeNames: { '#claim': 'claim' },
        ExpressionAttributeValues: { ':state': { S: state } },
      }),
    );
  return {
    async claim(alertKey) {
      try {
        await options.client.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: {
              ...key(alertKey),
              claim: { S: 'claimed' },
              claimedAt: { N: String(now()) },
              [LEDGER_KEYS.timeToLive]: { N: String(Math.floor(now() / 1000) + 3 * DAY_SECONDS) },
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #claim = :released OR (#claim = :claimed AND claimedAt < :stale)',
            ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey, '#claim': 'claim' },
            ExpressionAttributeValues: {
              ':released': { S: 'released' },
              ':claimed': { S: 'claimed' },
              ':stale': { N: String(now() - STALE_CLAIM_MS) },
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async confirm(alertKey) {
      await mark(alertKey, 'sent');
    },
    async release(alertKey) {
      await mark(alertKey, 'released');
    },
  };
}

export function createDynamoSummaryStore(options: { client: DynamoDBClient; tableName: string; retentionDays?: number }): SummaryStore {
  const retentionSeconds = (options.retentionDays ?? 400) * DAY_SECONDS;
  return {
    async write(report) {
      await options.client.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            [LEDGER_KEYS.partitionKey]: { S: `${KEY_PREFIXES.summary}${report.day}` },
            [LEDGER_KEYS.sortKey]: { S: 'SUMMARY' },
            report: { S: JSON.stringify(report) },
            writtenAt: { S: new Date().toISOString() },
            [LEDGER_KEYS.timeToLive]: { N: String(Math.floor(startOfUtcDay(report.day) / 1000) + retentionSeconds) },
          },
        }),
      );
    },
  };
}
