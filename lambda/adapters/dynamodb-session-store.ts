/**
 * Adapters (this folder): the core's ports on AWS services. This file:
 * session affinity on DynamoDB, in the ledger's table: one item per session
 * (`SESSION#<hash of caller and session id>`) holding the tier it is on, kept
 * a day after it last rose. A turn reads it (one GetItem); only a first
 * decision or a rise writes, conditionally, so two turns racing never lower it.
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DAY_SECONDS } from '../core/base/utc-day';
import type { SessionStore } from '../core/routing/session-affinity';
import { TIERS } from '../policy/schema';
import { KEY_PREFIXES, LEDGER_KEYS } from './dynamodb/ledger-table';

export function createDynamoSessionStore(options: { client: DynamoDBClient; tableName: string; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  const key = (session: string) => ({ [LEDGER_KEYS.partitionKey]: { S: `${KEY_PREFIXES.session}${session}` }, [LEDGER_KEYS.sortKey]: { S: 'TIER' } });
  return {
    async read(session) {
      const { Item } = await options.client.send(new GetItemCommand({ TableName: options.tableName, Key: key(session), ProjectionExpression: 'tier' }));
      const tier = Number(Item?.['tier']?.N);
      return TIERS.find((candidate) => candidate === tier);
    },
    async raise(session, tier) {
      try {
        await options.client.send(
          new UpdateItemCommand({
            TableName: options.tableName,
            Key: key(session),
            UpdateExpression: 'SET tier = :tier, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(tier) OR tier < :tier',
            ExpressionAttributeNames: { '#ttl': LEDGER_KEYS.timeToLive },
            ExpressionAttributeValues: { ':tier': { N: String(tier) }, ':ttl': { N: String(Math.floor(now() / 1000) + DAY_SECONDS) } },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
