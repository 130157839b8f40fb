/**
 * Budget counters on DynamoDB, one item per budget and day in the ledger's
 * table. A reservation is a single conditional ADD, so concurrent requests
 * cannot together pass the cap. One item takes roughly 1,000 writes a second
 * (a reservation and a settlement per attempt): `block` and `downgrade`
 * budgets suit per-caller caps; for a global cap at very high traffic, use
 * `alert`, which costs nothing at request time.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { BudgetStore } from '../../core/accounting/budgets';
import { sendCounterUpdate } from './counter-writes';
import { DAY_SECONDS } from '../../core/base/utc-day';
import { KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';

export interface DynamoBudgetStoreOptions {
  readonly client: DynamoDBClient;
  /** For reservations and settlements: give it `maxAttempts: 1`, since a retried ADD would count twice. @default client */
  readonly adjustClient?: DynamoDBClient;
  readonly tableName: string;
  /** How long `spent` trusts a read. @default 1000 */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

const PREFIX = KEY_PREFIXES.budget;
const TWO_DAYS_SECONDS = 2 * DAY_SECONDS;

export function createDynamoBudgetStore(options: DynamoBudgetStoreOptions): BudgetStore {
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 1000;
  const cache = new Map<string, { value: bigint; readAt: number }>();
  const counterClient = options.adjustClient ?? options.client;
  const key = (budgetId: string, day: string): Record<string, AttributeValue> => ({
    [LEDGER_KEYS.partitionKey]: { S: `${PREFIX}${budgetId}#${day}` },
    [LEDGER_KEYS.sortKey]: { S: 'STATE' },
  });
  const add = (budgetId: string, day: string, amount: bigint, condition?: { limit: bigint }) =>
    new UpdateItemCommand({
      TableName: options.tableName,
      Key: key(budgetId, day),
      UpdateExpression: 'ADD committed :amount SET #ttl = :ttl',
      ConditionExpression: condition ? 'attribute_not_exists(committed) OR committed <= :room' : undefined,
      ExpressionAttributeNames: { '#ttl': LEDGER_KEYS.timeToLive },
      ExpressionAttributeValues: {
        ':amount': { N: amount.toString() },
        ':ttl': { N: String(Math.floor(now() / 1000) + TWO_DAYS_SECONDS) },
        ...(condition ? { ':room': { N: (condition.limit - amount).toString() } } : {}),
      },
    });

  return {
    async reserve(budgetId, day, amount, limit) {
      try {
        if (amount <= limit) {
          await sendCounterUpdate(counterClient, add(budgetId, day, amount, { limit }));
          return { reserved: true };
        }
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // Refused: read what the day holds, so the refusal can say whether any room is left.
      const current = await options.client.send(new GetItemCommand({ TableName: options.tableName, Key: key(budgetId, day), ConsistentRead: true }));
      return { reserved: false, committed: BigInt(current.Item?.['committed']?.N ?? '0') };
    },

    async adjust(budgetId, day, delta) {
      await sendCounterUpdate(counterClient, add(budgetId, day, delta));
    },

    async spent(budgetIds, day) {
      const stale = budgetIds.filter((id) => {
        const cached = cache.get(`${id}#${day}`);
        return !cached || now() - cached.readAt >= cacheMs;
      });
      // A request has at most two budgets: plain reads, nothing left unprocessed.
      await Promise.all(
        stale.map(async (id) => {
          const result = await options.client.send(new GetItemCommand({ TableName: options.tableName, Key: key(id, day) }));
          cache.set(`${id}#${day}`, { value: BigInt(result.Item?.['committed']?.N ?? '0'), readAt: now() });
        }),
      );
      return new Map(budgetIds.map((id) => [id, cache.get(`${id}#${day}`)?.value ?? 0n]));
    },
  };
}
