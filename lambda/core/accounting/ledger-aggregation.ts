/**
 * Daily aggregates, built off the request path from the ledger table's
 * change feed of new attempt records (a DynamoDB Stream in AWS; "stream"
 * elsewhere in the code means a client's server-sent events).
 *
 * The router writes one record per attempt and nothing else. An aggregator
 * reads those records in batches, sums each batch per counter (day ×
 * dimension × value), and applies the sums together with a marker in one
 * atomic write: a "chunk". The marker is keyed by the chunk's first record
 * and says which record the chunk went through, and it may only be created,
 * never overwritten. So a batch delivered again, whole or from any record
 * where an earlier chunk began, finds the marker, skips what it covered and
 * counts only the rest: the aggregates equal the sum of the records, exactly.
 *
 * That holds for every redelivery a change-feed consumer makes when it restarts
 * from its checkpoint: a batch retried after a timeout, or from the record a
 * partial batch response named (always a chunk's first). It would not hold if
 * a batch were split at an arbitrary record (Lambda's bisect-on-error), so
 * the aggregator isolates unreadable records itself and bisecting stays off.
 */
import { addCounters, countersOf, dayOf, dimensionsOf, ZERO_COUNTERS, type DimensionValue, type UsageCounters } from './usage-aggregates';
import type { AttemptRecord } from './ledger';

/** One new attempt record as the change feed delivers it. */
export interface DeliveredAttempt {
  /** Unique in the feed: a chunk's marker is keyed by its first record's id. */
  readonly id: string;
  /** The record's position, a decimal integer that increases along the feed (within a shard). */
  readonly sequence: string;
  /** `undefined` when the feed's record is not a readable attempt: skipped and reported, never retried. */
  readonly record: AttemptRecord | undefined;
}

/** What one chunk adds to one counter. */
export interface CounterDelta extends DimensionValue {
  readonly day: string;
  readonly counters: UsageCounters;
}

/** Records applied together, in one atomic write, with one marker. */
export interface AggregateChunk {
  /** The first record's id: the marker's key. */
  readonly markerId: string;
  /** The last record's sequence number: what the marker says the chunk covered. */
  readonly through: string;
  readonly attempts: number;
  readonly deltas: readonly CounterDelta[];
}

export type ChunkOutcome =
  | { readonly applied: true }
  /** A chunk with the same first record was applied before; it covered every record up to `through`. */
  | { readonly applied: false; readonly through: string };

/** Where aggregates are kept: applies a chunk's deltas and creates its marker atomically, or neither. */
export interface AggregateStore {
  apply(chunk: AggregateChunk): Promise<ChunkOutcome>;
}

/** DynamoDB's limit on the items of one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

export interface BatchResult {
  /** Attempts this batch added to the aggregates. */
  readonly counted: number;
  /** Attempts an earlier delivery had already counted. */
  readonly duplicates: number;
  /** Feed records that were not readable attempts, by id. */
  readonly unreadable: readonly string[];
  /**
   * Set when a chunk could not be written: the sequence number of its first
   * record, from which the batch must be delivered again (a partial batch
   * response). Everything before it is counted.
   */
  readonly retryFrom?: string;
  readonly error?: unknown;
  /**
   * An earlier chunk covered records beyond the end of this batch, so the
   * next batch begins inside it and may count them again. Lambda redelivers
   * from the same checkpoint with at least as many records, so this only
   * happens if the batch size was lowered while a batch was being retried.
   */
  readonly overlapsNextBatch?: boolean;
}

/** Counts a batch into the aggregates, chunk by chunk, in feed order; safe to call again with any redelivery. */
export async function aggregateBatch(batch: readonly DeliveredAttempt[], store: AggregateStore, maxItems = MAX_TRANSACTION_ITEMS): Promise<BatchResult> {
  let pending = batch;
  let counted = 0;
  let duplicates = 0;
  const unreadable = batch.filter((attempt) => attempt.record === undefined).map((attempt) => attempt.id);
  const last = batch.length > 0 ? BigInt(batch[batch.length - 1]!.sequence) : 0n;
  while (pending.length > 0) {
    const length = chunkLength(pending, maxItems);
    const records = pending.slice(0, length);
    const chunk = chunkOf(records);
    if (chunk.attempts === 0) {
      pending = pending.slice(length);
      continue;
    }
    let outcome: ChunkOutcome;
    try {
      outcome = await store.apply(chunk);
    } catch (error) {
      return { counted, duplicates, unreadable, retryFrom: records[0]!.sequence, error };
    }
    if (outcome.applied) {
      counted += chunk.attempts;
      pending = pending.slice(length);
      continue;
    }
    const through = BigInt(outcome.through);
    const covered = pending.filter((attempt) => BigInt(attempt.sequence) <= through);
    if (covered.length === 0) {
      return { counted, duplicates, unreadable, retryFrom: records[0]!.sequence, error: new Error(`marker ${chunk.markerId} covers nothing of its own chunk (through ${outcome.through})`) };
    }
    duplicates += covered.filter((attempt) => attempt.record !== undefined).length;
    pending = pending.filter((attempt) => BigInt(attempt.sequence) > through);
    if (pending.length === 0 && through > last) return { counted, duplicates, unreadable, overlapsNextBatch: true };
  }
  return { counted, duplicates, unreadable };
}

/** How many of `attempts`, from the first, fit one transaction: their distinct counters and the marker. */
export function chunkLength(attempts: readonly DeliveredAttempt[], maxItems = MAX_TRANSACTION_ITEMS): number {
  const counters = new Set<string>();
  for (let index = 0; index < attempts.length; index += 1) {
    const record = attempts[index]!.record;
    if (record === undefined) continue;
    const added = counterKeysOf(record).filter((key) => !counters.has(key));
    if (1 + counters.size + added.length > maxItems) return index;
    for (const key of added) counters.add(key);
  }
  return attempts.length;
}

/** The chunk of these records: their sums per counter, keyed by the first record. */
export function chunkOf(attempts: readonly DeliveredAttempt[]): AggregateChunk {
  const records = attempts.flatMap((attempt) => (attempt.record === undefined ? [] : [attempt.record]));
  return {
    markerId: attempts[0]!.id,
    through: attempts[attempts.length - 1]!.sequence,
    attempts: records.length,
    deltas: sumDeltas(records),
  };
}

/** What records add to each counter they touch, one delta per counter. */
export function sumDeltas(records: readonly AttemptRecord[]): CounterDelta[] {
  const sums = new Map<string, CounterDelta>();
  for (const record of records) {
    const day = dayOf(record);
    const counters = countersOf(record);
    for (const entry of dimensionsOf(record)) {
      const key = counterKey(day, entry);
      const sum = sums.get(key);
      sums.set(key, { day, ...entry, counters: addCounters(sum?.counters ?? ZERO_COUNTERS, counters) });
    }
  }
  return [...sums.values()];
}

const counterKey = (day: string, entry: DimensionValue) => `${day}|${entry.dimension}|${entry.value}`;
const counterKeysOf = (record: AttemptRecord) => dimensionsOf(record).map((entry) => counterKey(dayOf(record), entry));
