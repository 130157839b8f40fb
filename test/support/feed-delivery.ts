/**
 * Delivers a stream of attempts to `aggregateBatch` the way Lambda's event
 * source mapping can (at least once, bisect off, partial batch responses on),
 * with faults drawn by fast-check: an invocation that times out after its
 * first chunk was written (redelivered from the same checkpoint, with at
 * least as many records), a chunk written whose response is lost and a write
 * that fails (both redelivered from that chunk), and a batch delivered again
 * after it succeeded.
 */
import fc from 'fast-check';
import { aggregateBatch, type AggregateStore, type DeliveredAttempt } from '../../lambda/core/accounting/ledger-aggregation';
import type { AttemptRecord } from '../../lambda/core/accounting/ledger';
import { usageFromRecords, type UsageReader } from '../../lambda/core/accounting/usage-aggregates';
import { attemptArbitrary, uniqueAttempts } from './attempt-records';

export type DeliveryFault = 'none' | 'timeout-after-writes' | 'lost-response' | 'write-fails' | 'delivered-twice';

export interface DeliverySchedule {
  /** Batch sizes, used in turn. */
  readonly sizes: readonly number[];
  /** Faults, one per delivery, used in turn. */
  readonly faults: readonly DeliveryFault[];
  /** Transaction item limit, to make batches need several chunks. */
  readonly maxItems: number;
}

export const deliveryScheduleArbitrary: fc.Arbitrary<DeliverySchedule> = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }),
  faults: fc.array(fc.constantFrom<DeliveryFault>('none', 'none', 'timeout-after-writes', 'lost-response', 'write-fails', 'delivered-twice'), { minLength: 1, maxLength: 12 }).filter(
    // Some delivery must succeed, or no checkpoint would ever move.
    (faults) => faults.some((fault) => fault === 'none' || fault === 'delivered-twice'),
  ),
  maxItems: fc.constantFrom(8, 20, 100),
});

export function asStream(records: readonly AttemptRecord[], stream = 'shard'): DeliveredAttempt[] {
  return records.map((record, index) => ({ id: `${stream}-${index + 1}`, sequence: String(1000 + index * 7), record }));
}

/** Runs the schedule until every record is behind the checkpoint; returns how many deliveries it took. */
export async function deliverLikeLambda(stream: readonly DeliveredAttempt[], store: AggregateStore, schedule: DeliverySchedule): Promise<number> {
  let checkpoint = 0;
  let step = 0;
  let retrySize = 0;
  while (checkpoint < stream.length) {
    const fault = schedule.faults[step % schedule.faults.length]!;
    const size = Math.max(schedule.sizes[step % schedule.sizes.length]!, retrySize);
    step += 1;
    if (step > 10_000) throw new Error('delivery did not converge');
    const batch = stream.slice(checkpoint, checkpoint + size);
    const result = await aggregateBatch(batch, faulty(store, fault), schedule.maxItems);
    if (fault === 'timeout-after-writes') {
      // The invocation died after some writes: Lambda redelivers from the same checkpoint, with at least these records.
      retrySize = batch.length;
      continue;
    }
    if (result.retryFrom !== undefined) {
      // A partial batch response: redelivered from that record, with at least the rest of this batch.
      const from = batch.findIndex((attempt) => attempt.sequence === result.retryFrom);
      checkpoint += from;
      retrySize = batch.length - from;
      continue;
    }
    retrySize = 0;
    if (fault === 'delivered-twice') await aggregateBatch(batch, store, schedule.maxItems);
    checkpoint += batch.length;
  }
  return step;
}

function faulty(store: AggregateStore, fault: DeliveryFault): AggregateStore {
  let chunks = 0;
  return {
    async apply(chunk) {
      chunks += 1;
      if (fault === 'write-fails' && chunks === 2) throw new Error('throttled');
      if (fault === 'timeout-after-writes' && chunks === 2) throw new Error('the invocation timed out');
      const outcome = await store.apply(chunk);
      if (fault === 'lost-response' && chunks === 1) throw new Error('connection reset after the write');
      return outcome;
    },
  };
}

/**
 * The property every aggregate store keeps: a day's random records, delivered
 * by a random schedule of faults to a fresh store, sum to exactly what the
 * records hold.
 */
export async function expectExactSumsThroughFaults(
  day: string,
  fresh: () => Promise<{ store: AggregateStore; reader: UsageReader }>,
  { callers, maxRecords, numRuns }: { callers: number; maxRecords: number; numRuns: number },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(attemptArbitrary([day], callers), { minLength: 1, maxLength: maxRecords }), deliveryScheduleArbitrary, async (generated, schedule) => {
      const records = uniqueAttempts(generated);
      const { store, reader } = await fresh();
      await deliverLikeLambda(asStream(records), store, schedule);
      expect(await reader.readDay(day)).toEqual(usageFromRecords(day, records));
    }),
    { numRuns },
  );
}
