/**
 * Circuit state on DynamoDB, in the ledger's table (one item per model), so
 * every router and attempt instance sees the same circuits. Reads are cached
 * for a second per instance, and a state older than that is still served
 * while one read refreshes it in the background: a warm instance never waits
 * on DynamoDB before it calls a provider. A circuit opens for every instance
 * within about a second of crossing its threshold, plus one request per
 * instance (the one whose read refreshes it); only a state older than
 * `staleMs` (or none, at a cold start) is read before the call.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CLOSED, circuitStatus, type CircuitState, type CircuitStore } from '../../core/execution/circuit-breaker';
import { DAY_SECONDS } from '../../core/base/utc-day';
import { KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';

export interface DynamoCircuitStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly failureThreshold: number;
  readonly cooldownSeconds: number;
  /** How long a read is trusted. @default 1000 */
  readonly cacheMs?: number;
  /** How long past `cacheMs` a state is still served while a background read refreshes it; 0 reads before answering. @default 10000 */
  readonly staleMs?: number;
  /** How long one half-open probe has before another caller may probe. @default 10000 */
  readonly probeMs?: number;
  readonly now?: () => number;
}

const CIRCUIT_PREFIX = KEY_PREFIXES.circuit;

export function createDynamoCircuitStore(options: DynamoCircuitStoreOptions): CircuitStore {
  const cacheMs = options.cacheMs ?? 1000;
  const staleMs = options.staleMs ?? 10_000;
  const probeMs = options.probeMs ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { state: CircuitState; readAt: number }>();
  const key = (model: string): Record<string, AttributeValue> => ({
    [LEDGER_KEYS.partitionKey]: { S: `${CIRCUIT_PREFIX}${model}` },
    [LEDGER_KEYS.sortKey]: { S: 'STATE' },
  });
  const refreshing = new Set<string>();
  const readStates = async (models: readonly string[]) => {
    const startedAt = now();
    const result = await options.client.send(new BatchGetItemCommand({ RequestItems: { [options.tableName]: { Keys: models.map(key) } } }));
    const found = new Map(
      (result.Responses?.[options.tableName] ?? []).map((item) => [item[LEDGER_KEYS.partitionKey]!.S!.slice(CIRCUIT_PREFIX.length), fromItem(item)]),
    );
    const unprocessed = new Set(
      (result.UnprocessedKeys?.[options.tableName]?.Keys ?? []).map((item) => item[LEDGER_KEYS.partitionKey]!.S!.slice(CIRCUIT_PREFIX.length)),
    );
    // Throttled reads keep whatever this instance knew, and are asked again next time; so does a state this
    // instance wrote itself while the read was out (a background read can finish after a failure it counted).
    for (const model of models) {
      if (!unprocessed.has(model) && !((cache.get(model)?.readAt ?? Number.NEGATIVE_INFINITY) > startedAt)) remember(model, found.get(model) ?? CLOSED);
    }
  };
  const remember = (model: string, state: CircuitState) => {
    cache.set(model, { state, readAt: now() });
    return state;
  };
  const update = (model: string, expression: string, values: Record<string, AttributeValue>, condition?: string) =>
    options.client.send(
      new UpdateItemCommand({
        TableName: options.tableName,
        Key: key(model),
        UpdateExpression: `${expression}, #ttl = :ttl`,
        ConditionExpression: condition,
        ExpressionAttributeNames: { '#ttl': LEDGER_KEYS.timeToLive },
        ExpressionAttributeValues: { ...values, ':ttl': { N: String(Math.floor(now() / 1000) + DAY_SECONDS) } },
        ReturnValues: 'ALL_NEW',
      }),
    );

  return {
    async read(models) {
      const age = (model: string) => now() - (cache.get(model)?.readAt ?? Number.NEGATIVE_INFINITY);
      const unique = [...new Set(models)];
      const missing = unique.filter((model) => age(model) >= cacheMs + staleMs);
      const stale = unique.filter((model) => age(model) >= cacheMs && !missing.includes(model) && !refreshing.has(model));
      if (stale.length > 0) {
        for (const model of stale) refreshing.add(model);
        void readStates(stale)
          .catch(() => undefined)
          .finally(() => stale.forEach((model) => refreshing.delete(model)));
      }
      if (missing.length > 0) await readStates(missing);
      return new Map(models.map((model) => [model, cache.get(model)?.state ?? CLOSED]));
    },

    async recordFailure(model, at) {
      const counted = await update(model, 'ADD failures :one SET updatedAt = :now', { ':one': { N: '1' }, ':now': { N: String(at) } });
      const state = fromItem(counted.Attributes!);
      if (state.failures < options.failureThreshold || circuitStatus(state, at) === 'open') return remember(model, state);
      try {
        // Open, or re-open after a failed probe; a concurrent opener makes this a no-op.
        const opened = await update(
          model,
          'SET openUntil = :until, probeUntil = :zero',
          { ':until': { N: String(at + options.cooldownSeconds * 1000) }, ':zero': { N: '0' }, ':now': { N: String(at) } },
          'attribute_not_exists(openUntil) OR openUntil <= :now',
        );
        return remember(model, fromItem(opened.Attributes!));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return remember(model, { ...state, openUntil: Math.max(state.openUntil, at + 1) });
      }
    },

    async recordSuccess(model) {
      await update(model, 'SET failures = :zero, openUntil = :zero, probeUntil = :zero', { ':zero': { N: '0' } });
      remember(model, CLOSED);
    },

    async claimProbe(model, at) {
      try {
        const claimed = await update(
          model,
          'SET probeUntil = :until',
          { ':until': { N: String(at + probeMs) }, ':now': { N: String(at) }, ':zero': { N: '0' } },
          'openUntil > :zero AND openUntil <= :now AND (attribute_not_exists(probeUntil) OR probeUntil <= :now)',
        );
        remember(model, fromItem(claimed.Attributes!));
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

function fromItem(item: Record<string, AttributeValue>): CircuitState {
  const number = (name: string) => Number(item[name]?.N ?? '0');
  return { failures: number('failures'), openUntil: number('openUntil'), probeUntil: number('probeUntil') };
}
