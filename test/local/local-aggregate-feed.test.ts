import fc from 'fast-check';
import { createLocalAggregateFeed } from '../../lambda/local/local-aggregate-feed';
import type { AggregateStore } from '../../lambda/core/accounting/ledger-aggregation';
import { usageFromRecords } from '../../lambda/core/accounting/usage-aggregates';
import { attemptArbitrary, uniqueAttempts } from '../support/attempt-records';
import { eventually } from '../support/eventually';
import { memoryStore } from '../support/memory-aggregates';

const DAY = '2026-11-27';
const records = uniqueAttempts(fc.sample(attemptArbitrary([DAY], 6), { numRuns: 60, seed: 3 }));
const quiet = { error: () => undefined };

describe('local aggregate feed', () => {
  it('holds records for the window, then counts them in one batch', async () => {
    const store = memoryStore();
    const feed = createLocalAggregateFeed(store, { windowMs: 150, log: quiet });
    feed.push(records.slice(0, 10));
    feed.push(records.slice(10, 20));

    expect(store.chunks).toHaveLength(0);
    await eventually(() => expect(store.chunks).toHaveLength(1));
    expect(store.chunks[0]!.attempts).toBe(20);
    await feed.close();
  });

  it('delivers a full batch at once, without waiting for the window', async () => {
    const store = memoryStore();
    const feed = createLocalAggregateFeed(store, { windowMs: 60_000, batchSize: 25, log: quiet });
    feed.push(records.slice(0, 30));

    await eventually(() => expect(store.chunks.map((chunk) => chunk.attempts)).toEqual([25]));
    await feed.flush();
    expect(store.chunks.map((chunk) => chunk.attempts)).toEqual([25, 5]);
    await feed.close();
  });

  it('delivers a failed batch again from the record it names, so the day ends exact', async () => {
    const store = memoryStore();
    let failures = 2;
    const flaky: AggregateStore = { apply: (chunk) => (failures-- > 0 ? Promise.reject(new Error('throttled')) : store.apply(chunk)) };
    const errors: string[] = [];
    const feed = createLocalAggregateFeed(flaky, { windowMs: 10, retryDelayMs: 20, log: { error: (message) => errors.push(message) } });
    feed.push(records);

    await eventually(() => expect(store.usage(DAY)).toEqual(usageFromRecords(DAY, records)));
    expect(errors).toEqual(['aggregates not written; the batch will be delivered again', 'aggregates not written; the batch will be delivered again']);
    await feed.close();
  });

  it('says so when a flush cannot count everything', async () => {
    const feed = createLocalAggregateFeed({ apply: () => Promise.reject(new Error('table missing')) }, { windowMs: 60_000, retryDelayMs: 60_000, log: quiet });
    feed.push(records.slice(0, 3));

    await expect(feed.flush()).rejects.toThrow('3 ledger records are not yet in the aggregates');
    await feed.close();
  });
});
