import fc from 'fast-check';
import {
  aggregateBatch,
  chunkLength,
  chunkOf,
  sumDeltas,
  type AggregateStore,
  type DeliveredAttempt,
} from '../../../lambda/core/accounting/ledger-aggregation';
import { addCounters, usageFromRecords, ZERO_COUNTERS } from '../../../lambda/core/accounting/usage-aggregates';
import { memoryStore } from '../../support/memory-aggregates';
import { attemptArbitrary, uniqueAttempts } from '../../support/attempt-records';
import { asStream, deliverLikeLambda, deliveryScheduleArbitrary } from '../../support/feed-delivery';

const DAYS = ['2026-11-26', '2026-11-27'];

const sample = (runs: number, seed: number, callers = 4) => uniqueAttempts(fc.sample(attemptArbitrary(DAYS, callers), { numRuns: runs, seed }));

describe('aggregateBatch', () => {
  it('writes each counter once per chunk, with the sum of its records', async () => {
    const records = sample(300, 1);
    const store = memoryStore();
    const result = await aggregateBatch(asStream(records), store);

    expect(result).toEqual({ counted: records.length, duplicates: 0, unreadable: [] });
    expect(store.chunks).toHaveLength(1);
    const keys = store.chunks[0]!.deltas.map((delta) => `${delta.day}|${delta.dimension}|${delta.value}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const day of DAYS) expect(store.usage(day)).toEqual(usageFromRecords(day, records));
  });

  it('splits a batch into chunks that each fit one transaction, the marker included', () => {
    fc.assert(
      fc.property(fc.array(attemptArbitrary(DAYS, 40), { minLength: 1, maxLength: 200 }), fc.integer({ min: 7, max: 100 }), (records, maxItems) => {
        let pending: DeliveredAttempt[] = asStream(records);
        while (pending.length > 0) {
          const length = chunkLength(pending, maxItems);
          expect(length).toBeGreaterThan(0);
          expect(1 + chunkOf(pending.slice(0, length)).deltas.length).toBeLessThanOrEqual(maxItems);
          pending = pending.slice(length);
        }
      }),
    );
  });

  it('counts nothing twice when a batch is delivered again, and says how many it skipped', async () => {
    const stream = asStream(sample(120, 2, 40));
    const store = memoryStore();
    const first = await aggregateBatch(stream, store, 20);
    const again = await aggregateBatch(stream, store, 20);

    expect(first.counted).toBe(stream.length);
    expect(again).toEqual({ counted: 0, duplicates: stream.length, unreadable: [] });
    expect(store.usage(DAYS[1]!)).toEqual(usageFromRecords(DAYS[1]!, stream.map((attempt) => attempt.record!)));
  });

  it('names the first record of the chunk it could not write, having counted the chunks before it', async () => {
    const stream = asStream(sample(120, 3, 40));
    const store = memoryStore();
    let calls = 0;
    const failing: AggregateStore = { apply: (chunk) => (++calls === 3 ? Promise.reject(new Error('throttled')) : store.apply(chunk)) };

    const result = await aggregateBatch(stream, failing, 20);

    const counted = store.chunks.reduce((sum, chunk) => sum + chunk.attempts, 0);
    expect(store.chunks).toHaveLength(2);
    expect(result.counted).toBe(counted);
    expect(result.retryFrom).toBe(stream[counted]!.sequence);
    expect((result.error as Error).message).toBe('throttled');
  });

  it('skips unreadable records and reports them, and a redelivery does not count them either', async () => {
    const records = sample(10, 4);
    const stream: DeliveredAttempt[] = asStream(records).map((attempt, index) => (index === 4 ? { ...attempt, record: undefined } : attempt));
    const store = memoryStore();

    const result = await aggregateBatch(stream, store);
    await aggregateBatch(stream, store);

    expect(result.unreadable).toEqual([stream[4]!.id]);
    expect(result.counted).toBe(9);
    const readable = records.filter((_, index) => index !== 4);
    expect(store.usage(DAYS[0]!).total).toEqual(usageFromRecords(DAYS[0]!, readable).total);
  });

  it('warns when an earlier chunk reached past the end of a shorter redelivery', async () => {
    const stream = asStream(sample(30, 5));
    const store = memoryStore();
    await aggregateBatch(stream, store);

    const shorter = await aggregateBatch(stream.slice(0, 10), store);

    expect(shorter).toEqual({ counted: 0, duplicates: 10, unreadable: [], overlapsNextBatch: true });
  });

  it('keeps the aggregates equal to the sum of the records through timeouts, lost responses, failed writes and duplicate deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(attemptArbitrary(DAYS, 30), { minLength: 1, maxLength: 150 }), deliveryScheduleArbitrary, async (generated, schedule) => {
        const records = uniqueAttempts(generated);
        const store = memoryStore();
        await deliverLikeLambda(asStream(records), store, schedule);
        for (const day of DAYS) expect(store.usage(day)).toEqual(usageFromRecords(day, records));
      }),
      { numRuns: 200 },
    );
  });
});

describe('sumDeltas', () => {
  it('adds every attempt to the total, its tier, model, caller, route and purpose of its day', () => {
    const records = sample(50, 6);
    const deltas = sumDeltas(records);
    const total = deltas.filter((delta) => delta.dimension === 'total').reduce((sum, delta) => addCounters(sum, delta.counters), ZERO_COUNTERS);
    expect(total).toEqual(DAYS.map((day) => usageFromRecords(day, records).total).reduce(addCounters, ZERO_COUNTERS));
  });
});
