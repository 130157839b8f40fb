/**
 * `npm run simulate:hot-items`: which DynamoDB items take the most writes at a
 * sustained request rate, and how many write units the ledger takes per
 * million attempts, using the ledger's and the aggregator's real code: the
 * attempt records the router writes, and the transactions the aggregator
 * writes for the batches a stream would deliver (each stream shard batching
 * up to `--batch` records or `--window` seconds, as the event source mapping
 * does). A partition sustains about 1,000 write units a second; no item may
 * come near that.
 *
 *   npm run simulate:hot-items -- --rate 1000 --seconds 60 --callers 200
 */
import { parseArgs } from 'node:util';
import { aggregateTransaction } from '../lambda/adapters/dynamodb/dynamodb-aggregates';
import { AGGREGATE_SHARDS } from '../lambda/adapters/dynamodb/dynamodb-usage';
import { AGGREGATOR_BATCHING } from '../lambda/adapters/dynamodb/ledger-table';
import { aggregateBatch, type DeliveredAttempt } from '../lambda/core/accounting/ledger-aggregation';
import type { AttemptRecord } from '../lambda/core/accounting/ledger';
import type { Tier } from '../lambda/policy/schema';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';
import { answerHelp } from '../lib/cli/help';

const PARTITION_WRITES_PER_SECOND = 1000;

/** A small deterministic generator, so every run prints the same figures. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  answerHelp(__filename);
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      callers: { type: 'string', default: '200' },
      fallbackShare: { type: 'string', default: '0.1' },
      streamShards: { type: 'string', default: '4' },
      batch: { type: 'string', default: String(AGGREGATOR_BATCHING.batchSize) },
      window: { type: 'string', default: String(AGGREGATOR_BATCHING.windowSeconds) },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const callers = Number(values.callers);
  const random = mulberry32(42);
  const policy = readPolicyFile(DEFAULT_POLICY_FILE);

  // Zipf-like callers: the busiest sends a large share of all traffic.
  const weights = Array.from({ length: callers }, (_, index) => 1 / (index + 1));
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const pickCaller = () => {
    let point = random() * totalWeight;
    for (let index = 0; index < callers; index += 1) {
      point -= weights[index]!;
      if (point <= 0) return `key:caller${String(index).padStart(4, '0')}`;
    }
    return 'key:caller0000';
  };
  const pickTier = (): Tier => {
    const point = random();
    return point < 0.3 ? 0 : point < 0.7 ? 1 : point < 0.95 ? 2 : 3;
  };

  const streamShards = Number(values.streamShards);
  const streams = Array.from({ length: streamShards }, () => [] as { at: number; attempt: DeliveredAttempt }[]);
  const writesByItem = new Map<string, number>();
  const writesByPartition = new Map<string, number>();
  const count = (partition: string, sortKey: string, units = 1) => {
    writesByItem.set(`${partition} / ${sortKey}`, (writesByItem.get(`${partition} / ${sortKey}`) ?? 0) + units);
    writesByPartition.set(partition, (writesByPartition.get(partition) ?? 0) + units);
  };
  const callerRequests = new Map<string, number>();
  const requests = rate * seconds;
  const day = '2026-11-27';
  let attempts = 0;
  for (let index = 0; index < requests; index += 1) {
    const callerId = pickCaller();
    callerRequests.set(callerId, (callerRequests.get(callerId) ?? 0) + 1);
    const tier = pickTier();
    const chain = policy.tiers[tier];
    const tries = random() < Number(values.fallbackShare) ? 2 : 1;
    for (let attempt = 1; attempt <= tries; attempt += 1) {
      attempts += 1;
      const record: AttemptRecord = {
        requestId: `r${index}`,
        attempt,
        startedAt: `${day}T12:00:00.000Z`,
        callerId,
        tier,
        route: random() < 0.3 ? 'triage' : null,
        provider: 'bedrock',
        model: chain[Math.min(attempt - 1, chain.length - 1)]!.id,
        usage: { input: 500, output: 200, cacheRead: 0, cacheWrite: 0 },
        costNanoUsd: 1000n,
        flagshipCostNanoUsd: 5000n,
        latencyMs: 800,
        outcome: attempt < tries ? 'throttled' : 'success',
        simulated: true,
        estimated: false,
      };
      count(`REQ#${record.requestId}`, `ATTEMPT#${attempt}`);
      if (attempt > 1) count(`REQ#${record.requestId}`, 'COUNTER');
      streams[index % streamShards]!.push({ at: index / rate, attempt: { id: `${index}-${attempt}`, sequence: String(attempts), record } });
    }
  }
  const pathWrites = [...writesByItem.values()].reduce((sum, writes) => sum + writes, 0);

  // Each stream shard's records, in batches as the event source mapping forms them; each chunk is one transaction (two write units an item).
  let batches = 0;
  let transactions = 0;
  let aggregatorWrites = 0;
  const store = {
    async apply(chunk: Parameters<typeof aggregateTransaction>[0]) {
      transactions += 1;
      for (const item of aggregateTransaction(chunk, 'table', 0, 0).TransactItems!) {
        const key = item.Put?.Item ?? item.Update!.Key!;
        count(key['pk']!.S!, key['sk']!.S!, 2);
        aggregatorWrites += 2;
      }
      return { applied: true as const };
    },
  };
  const windowSeconds = Number(values.window);
  const batchSize = Number(values.batch);
  for (const stream of streams) {
    for (let start = 0; start < stream.length; ) {
      let end = start;
      while (end < stream.length && end - start < batchSize && stream[end]!.at - stream[start]!.at < windowSeconds) end += 1;
      await aggregateBatch(stream.slice(start, end).map((entry) => entry.attempt), store);
      batches += 1;
      start = end;
    }
  }

  const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  const perSecond = (writes: number) => (writes / seconds).toFixed(1).padStart(8);
  const busiestCaller = top(callerRequests, 1)[0]!;
  console.log(`Simulated ${requests.toLocaleString('en')} requests (${rate}/s for ${seconds} s), ${attempts.toLocaleString('en')} attempts,`);
  console.log(`${callers} callers (the busiest sends ${((busiestCaller[1] / requests) * 100).toFixed(1)}%), ${AGGREGATE_SHARDS} aggregate shards,`);
  console.log(`${streamShards} stream shards, batches of up to ${batchSize} records or ${windowSeconds} s: ${batches.toLocaleString('en')} batches, ${(attempts / batches).toFixed(1)} attempts each, ${transactions.toLocaleString('en')} transactions.\n`);
  console.log('Busiest items (writes per second):');
  for (const [item, writes] of top(writesByItem, 5)) console.log(`  ${perSecond(writes)}  ${item}`);
  console.log('\nBusiest partition keys (writes per second; DynamoDB sustains ~1,000 per partition):');
  for (const [partition, writes] of top(writesByPartition, 3)) console.log(`  ${perSecond(writes)}  ${partition}`);
  const hottest = top(writesByPartition, 1)[0]![1] / seconds;
  console.log(`\nHottest partition key at ${((hottest / PARTITION_WRITES_PER_SECOND) * 100).toFixed(1)}% of a partition's write capacity.`);
  const perMillion = (writes: number) => ((writes / attempts) * 1e6).toLocaleString('en', { maximumFractionDigits: 0 });
  console.log('\nWrite units per million attempts (an attempt record and every aggregate item are under 1 KB: one unit a write, two in a transaction):');
  console.log(`  request path, one conditional PutItem an attempt (and a counter after a fallback): ${perMillion(pathWrites)}`);
  console.log(`  aggregator, amortised over its batches:                                           ${perMillion(aggregatorWrites)}`);
  console.log(`  aggregator invocations: ${perMillion(batches)} per million attempts`);
  const busiestPerSecond = (busiestCaller[1] * (attempts / requests)) / seconds;
  console.log(
    `A block budget on the busiest caller takes ~${(2 * busiestPerSecond).toFixed(0)} writes/s (reserve and settle); ` +
      `a block budget on everything would take ~${((2 * attempts) / seconds).toFixed(0)}/s: keep global budgets in alert mode at this rate.`,
  );
}

void main();
