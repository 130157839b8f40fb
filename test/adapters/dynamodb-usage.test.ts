import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { createDynamoLedger } from '../../lambda/adapters/dynamodb-ledger';
import { AGGREGATE_SHARDS, createDynamoUsageReader } from '../../lambda/adapters/dynamodb-usage';
import type { AttemptRecord } from '../../lambda/core/ledger';
import { PROVIDER_FAILURE_KINDS } from '../../lambda/core/errors';
import { addCounters, countersOf, ZERO_COUNTERS, type UsageCounters } from '../../lambda/core/usage-aggregates';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';

const TABLE = 'usage-test';
const DAY = '2026-11-27';

const recordArbitrary = (day: string) =>
  fc.record({
    requestId: fc.uuid(),
    attempt: fc.integer({ min: 1, max: 6 }),
    startedAt: fc.integer({ min: 0, max: 86_399_999 }).map((ms) => new Date(Date.parse(`${day}T00:00:00Z`) + ms).toISOString()),
    callerId: fc.constantFrom('key:aaaa', 'key:bbbb', 'key:cccc', 'arn:aws:iam::123456789012:role/app'),
    tier: fc.constantFrom(0, 1, 2, 3, null),
    route: fc.constantFrom(null, 'triage', 'support-answer'),
    provider: fc.constant('bedrock'),
    model: fc.constantFrom('bedrock/amazon.nova-micro-v1:0', 'bedrock/amazon.nova-lite-v1:0', 'openai/gpt-5'),
    usage: fc.record({ input: fc.nat(200_000), output: fc.nat(20_000), cacheRead: fc.nat(50_000), cacheWrite: fc.nat(5_000) }),
    costNanoUsd: fc.bigInt({ min: 0n, max: 5_000_000_000n }),
    flagshipCostNanoUsd: fc.bigInt({ min: 0n, max: 50_000_000_000n }),
    latencyMs: fc.nat(30_000),
    outcome: fc.constantFrom('success' as const, ...PROVIDER_FAILURE_KINDS),
    simulated: fc.boolean(),
    estimated: fc.boolean(),
  }) as fc.Arbitrary<AttemptRecord>;

function sumOf(records: readonly AttemptRecord[], pick: (record: AttemptRecord) => boolean = () => true): UsageCounters {
  return records.filter(pick).reduce((sum, record) => addCounters(sum, countersOf(record)), ZERO_COUNTERS);
}

async function recordAll(ledger: ReturnType<typeof createDynamoLedger>, records: readonly AttemptRecord[]) {
  for (let index = 0; index < records.length; index += 64) await ledger.record(records.slice(index, index + 64));
}

describe('daily aggregates as sharded counters, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  it('equal the exact sums of hundreds of random attempts, failed ones and replays included', async () => {
    const records = fc.sample(recordArbitrary(DAY), { numRuns: 400, seed: 20261127 });
    const unique = [...new Map(records.map((record) => [`${record.requestId}#${record.attempt}`, record])).values()];
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    await recordAll(ledger, unique);
    await recordAll(ledger, unique.slice(0, 100));

    const usage = await createDynamoUsageReader({ client: dynamo.client, tableName: TABLE }).readDay(DAY);
    expect(usage.total).toEqual(sumOf(unique));
    for (const [model, counters] of usage.byModel) expect(counters).toEqual(sumOf(unique, (record) => record.model === model)) /* model */;
    for (const [caller, counters] of usage.byCaller) expect(counters).toEqual(sumOf(unique, (record) => record.callerId === caller)) /* caller */;
    for (const [tier, counters] of usage.byTier) {
      expect(counters).toEqual(sumOf(unique, (record) => (record.tier === null ? 'passthrough' : String(record.tier)) === tier)) /* tier */;
    }
    for (const [route, counters] of usage.byRoute) expect(counters).toEqual(sumOf(unique, (record) => record.route === route)) /* route */;
    expect(usage.byModel.size).toBe(new Set(unique.map((record) => record.model)).size);
    expect(usage.total.attempts).toBe(BigInt(unique.length));
  });

  it('reads a day with the same number of queries at 10 and at 200 requests', async () => {
    const reads = async (day: string, requests: number) => {
      let queries = 0;
      const counting = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
      counting.middlewareStack.add((next) => async (args) => ((queries += 1), next(args)), { step: 'initialize' });
      const records = fc
        .sample(recordArbitrary(day), { numRuns: requests, seed: requests })
        .map((record, index) => ({ ...record, requestId: `${day}-req-${index}`, attempt: 1 }));
      await recordAll(createDynamoLedger({ client: dynamo.client, tableName: TABLE }), records);
      const usage = await createDynamoUsageReader({ client: counting, tableName: TABLE }).readDay(day);
      expect(usage.total.requests).toBe(BigInt(requests));
      counting.destroy();
      return queries;
    };
    const few = await reads('2026-11-25', 10);
    const many = await reads('2026-11-26', 200);
    expect(few).toBe(AGGREGATE_SHARDS);
    expect(many).toBe(few);
  });
});
