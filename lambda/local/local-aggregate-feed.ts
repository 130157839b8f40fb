/**
 * Local mode's stand-in for the ledger's DynamoDB Stream and the aggregator's
 * event source mapping: the records the ledger wrote are queued in this
 * process and handed to the same `aggregateBatch` as the aggregator Lambda
 * runs, in batches, one batch at a time, each at most `windowMs` after its
 * first record arrived. A batch that fails is delivered again from the
 * record it names, as Lambda does with a partial batch response, and with
 * nothing added, so the store may finish a chunk it had half written.
 */
import type { AttemptRecord } from '../core/accounting/ledger';
import { aggregateBatch, type AggregateStore, type DeliveredAttempt } from '../core/accounting/ledger-aggregation';

export interface LocalAggregateFeedOptions {
  /** How long a record may wait for its batch to fill. @default 1000 */
  readonly windowMs?: number;
  /** @default 500, as the aggregator's event source mapping */
  readonly batchSize?: number;
  /** Before a failed batch is delivered again. @default 1000 */
  readonly retryDelayMs?: number;
  readonly log: { error(message: string, details: Record<string, unknown>): void };
}

export interface LocalAggregateFeed {
  /** The ledger's `onRecorded`. */
  push(records: readonly AttemptRecord[]): void;
  /** Resolves once every record pushed so far is counted: what a test waits for before it reads usage. */
  flush(): Promise<void>;
  /** Flushes, then stops. */
  close(): Promise<void>;
}

export function createLocalAggregateFeed(store: AggregateStore, options: LocalAggregateFeedOptions): LocalAggregateFeed {
  const windowMs = options.windowMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  // A feed of this process's own: ids unique across restarts on the same table, sequence numbers increasing.
  const feed = `local-${Date.now().toString(36)}-${process.pid}`;
  let sequence = 0n;
  const queue: DeliveredAttempt[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // After a failure, the rest of the failed batch, delivered again exactly (no records added): what the store's retry relies on.
  let retry: DeliveredAttempt[] | undefined;

  /** Delivers batches until the queue is empty, or only a part batch is left unless `all`; false when a batch failed. */
  const drain = async (all: boolean): Promise<boolean> => {
    while (retry !== undefined || queue.length >= (all ? 1 : batchSize)) {
      const batch = retry ?? queue.slice(0, batchSize);
      const result = await aggregateBatch(batch, store);
      for (const id of result.unreadable) options.log.error('aggregator skipped an unreadable record', { id });
      if (result.retryFrom === undefined) {
        queue.splice(0, batch.length);
        retry = undefined;
        continue;
      }
      const from = batch.findIndex((attempt) => attempt.sequence === result.retryFrom);
      queue.splice(0, from);
      retry = batch.slice(from);
      options.log.error('aggregates not written; the batch will be delivered again', { error: String(result.error) });
      return false;
    }
    return true;
  };
  // One delivery at a time, in order, as a shard's consumer reads a DynamoDB Stream.
  let delivering: Promise<boolean> = Promise.resolve(true);
  const deliver = (all: boolean) => {
    clearTimeout(timer);
    timer = undefined;
    const next = () =>
      drain(all).catch((error: unknown) => {
        options.log.error('the aggregate feed failed; it will try again', { error: String(error) });
        return false;
      });
    delivering = delivering.then(next, next);
    void delivering.then(
      (succeeded) => schedule(succeeded ? windowMs : retryDelayMs),
      () => schedule(retryDelayMs),
    );
    return delivering;
  };
  const schedule = (delayMs: number) => {
    if (timer !== undefined || closed || queue.length === 0) return;
    timer = setTimeout(() => void deliver(true), delayMs);
    timer.unref();
  };

  return {
    push(records) {
      if (closed) {
        options.log.error('ledger records arrived after the aggregate feed closed; rebuild their day with npm run rebuild-aggregates', { records: records.length });
        return;
      }
      for (const record of records) {
        sequence += 1n;
        queue.push({ id: `${feed}-${sequence}`, sequence: sequence.toString(), record });
      }
      if (queue.length >= batchSize) void deliver(false);
      else schedule(windowMs);
    },
    async flush() {
      if (!(await deliver(true))) throw new Error(`${queue.length} ledger records are not yet in the aggregates; see the error logged above`);
    },
    async close() {
      closed = true;
      if (!(await deliver(true))) options.log.error('the aggregate feed closed with records not counted; rebuild their day with npm run rebuild-aggregates', { records: queue.length });
      clearTimeout(timer);
    },
  };
}
