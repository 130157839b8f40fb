import { createDynamoCircuitStore } from '../../lambda/adapters/dynamodb/dynamodb-circuit-store';
import { createDynamoLedger } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import { circuitStatus } from '../../lambda/core/execution/circuit-breaker';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { eventually } from '../support/eventually';

const TABLE = 'circuits-test';

describe('circuit store on DynamoDB, shared by instances, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  const clock = { value: 1_000_000 };
  // Two stores stand for two Lambda instances; no cache, so each sees the other at once.
  const instance = () =>
    createDynamoCircuitStore({ client: dynamo.client, tableName: TABLE, failureThreshold: 3, cooldownSeconds: 30, cacheMs: 0, staleMs: 0, now: () => clock.value });
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  it('opens a circuit at the threshold counted across instances, and both see it open', async () => {
    const [a, b] = [instance(), instance()];
    await a.recordFailure('m/one', clock.value);
    await b.recordFailure('m/one', clock.value);
    const opened = await a.recordFailure('m/one', clock.value);
    expect(circuitStatus(opened, clock.value)).toBe('open');
    expect(opened.openUntil).toBe(clock.value + 30_000);
    expect(circuitStatus((await b.read(['m/one'])).get('m/one')!, clock.value)).toBe('open');
    expect(circuitStatus((await b.read(['m/never'])).get('m/never')!, clock.value)).toBe('closed');
  });

  it('does not extend an open circuit with more failures', async () => {
    const store = instance();
    const before = (await store.read(['m/one'])).get('m/one')!;
    const after = await store.recordFailure('m/one', clock.value + 1000);
    expect(after.openUntil).toBe(before.openUntil);
  });

  it('grants the half-open probe to exactly one of many concurrent callers', async () => {
    clock.value += 30_000;
    const claims = await Promise.all(Array.from({ length: 8 }, () => instance().claimProbe('m/one', clock.value)));
    expect(claims.filter(Boolean).length).toBe(1);
  });

  it('re-opens after a failed probe and closes after a successful one', async () => {
    const store = instance();
    const reopened = await store.recordFailure('m/one', clock.value);
    expect(circuitStatus(reopened, clock.value)).toBe('open');
    clock.value += 30_000;
    expect(await store.claimProbe('m/one', clock.value)).toBeTruthy();
    await store.recordSuccess('m/one');
    const state = (await instance().read(['m/one'])).get('m/one')!;
    expect(state).toEqual({ failures: 0, openUntil: 0, probeUntil: 0 });
  });

  it('refuses a probe while the circuit is closed', async () => {
    expect(await instance().claimProbe('m/healthy', clock.value)).toBe(false);
  });

  it('serves reads from its cache for the configured time', async () => {
    const cached = createDynamoCircuitStore({ client: dynamo.client, tableName: TABLE, failureThreshold: 1, cooldownSeconds: 30, cacheMs: 60_000, now: () => clock.value });
    expect(circuitStatus((await cached.read(['m/two'])).get('m/two')!, clock.value)).toBe('closed');
    await instance().recordFailure('m/two', clock.value);
    await instance().recordFailure('m/two', clock.value);
    expect(circuitStatus((await cached.read(['m/two'])).get('m/two')!, clock.value)).toBe('closed') /* 'still the cached state' */;
  });

  it('answers a stale read at once from what it knew and refreshes it behind, but reads first when it knows nothing recent', async () => {
    let reads = 0;
    const counting = { send: (command: never) => ((reads += 1), dynamo.client.send(command)) } as unknown as typeof dynamo.client;
    const warm = createDynamoCircuitStore({ client: counting, tableName: TABLE, failureThreshold: 1, cooldownSeconds: 30, cacheMs: 1000, staleMs: 10_000, now: () => clock.value });
    expect(circuitStatus((await warm.read(['m/three'])).get('m/three')!, clock.value)).toBe('closed');
    expect(reads).toBe(1) /* a cold start reads before it answers */;
    for (let failure = 0; failure < 3; failure += 1) await instance().recordFailure('m/three', clock.value);

    clock.value += 1500;
    expect(circuitStatus((await warm.read(['m/three'])).get('m/three')!, clock.value)).toBe('closed') /* stale, served at once */;
    await eventually(async () => expect(circuitStatus((await warm.read(['m/three'])).get('m/three')!, clock.value)).toBe('open'));
    expect(reads).toBe(2) /* one refresh, behind the answer */;

    clock.value += 60_000;
    await instance().recordSuccess('m/three');
    expect(circuitStatus((await warm.read(['m/three'])).get('m/three')!, clock.value)).toBe('closed') /* too old to serve: read first */;
  });
});

describe('ledger attempt numbers and read-back, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  it('hands out each attempt number once to concurrent callers, after the offset', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    const numbers = await Promise.all(Array.from({ length: 20 }, () => ledger.nextAttempt('req-n', 1)));
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
  });

  it('reads back exactly the attempt records of a request, in order, with exact money', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    const record = (attempt: number) => ({
      requestId: 'req-r',
      attempt,
      startedAt: '2026-11-27T10:00:00.000Z',
      callerId: 'key:c',
      tier: null,
      route: 'triage',
      provider: 'mock',
      model: 'mock/m',
      usage: { input: 3, output: 4, cacheRead: 5, cacheWrite: 6 },
      costNanoUsd: 12_345_678_901_234_567n,
      flagshipCostNanoUsd: 7n,
      latencyMs: 12,
      outcome: attempt === 10 ? ('success' as const) : ('timeout' as const),
      simulated: true,
      estimated: false,
    });
    await ledger.nextAttempt('req-r', 0);
    await ledger.record([record(10), record(2), record(1)]);
    const records = await ledger.recordsFor('req-r');
    expect(records.map((entry) => entry.attempt)).toEqual([1, 2, 10]);
    expect(records[2]).toEqual(record(10));
  });
});
