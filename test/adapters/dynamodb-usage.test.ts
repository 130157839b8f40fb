import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { createDynamoAggregateStore } from '../../lambda/adapters/dynamodb/dynamodb-aggregates';
import { createDynamoLedger } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import { AGGREGATE_SHARDS, aggregatePartition, createDynamoUsageReader, rebuildDay } from '../../lambda/adapters/dynamodb/dynamodb-usage';
import { aggregateBatch } from '../../lambda/core/accounting/ledger-aggregation';
import { usageFromRecords } from '../../lambda/core/accounting/usage-aggregates';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { attemptArbitrary, uniqueAttempts } from '../support/attempt-records';
import { asStream, expectExactSumsThroughFaults } from '../support/feed-delivery';

const DAY = '2026-11-27';

describe('daily aggregates from the ledger stream, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  let tables = 0;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(() => dynamo.close());

  /** A fresh table, the aggregator's store on it (dynalite: item by item) and its reader. */
  const freshTable = async () => {
    const tableName = `usage-test-${(tables += 1)}`;
    await ensureLedgerTable(dynamo.client, tableName);
    return {
      tableName,
      store: createDynamoAggregateStore({ client: dynamo.counterClient, tableName, writes: 'sequential' }),
      reader: createDynamoUsageReader({ client: dynamo.client, tableName }),
    };
  };

  it('equal the exact sums of the records through timeouts, lost responses, failed writes and duplicate deliveries', async () => {
    await expectExactSumsThroughFaults(DAY, freshTable, { callers: 30, maxRecords: 120, numRuns: 12 });
  });

  it('finishes a chunk that a failed counter write cut short, counting no counter twice (item by item, as locally)', async () => {
    const { tableName, reader } = await freshTable();
    let updates = 0;
    const flaky = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint, maxAttempts: 1 });
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand' && (updates += 1) === 4) throw new Error('connection reset');
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = createDynamoAggregateStore({ client: flaky, tableName, writes: 'sequential' });
    const records = uniqueAttempts(fc.sample(attemptArbitrary([DAY], 8), { numRuns: 40, seed: 9 }));
    const stream = asStream(records);

    const cut = await aggregateBatch(stream, store);
    const again = await aggregateBatch(stream, store);

    expect(cut.retryFrom).toBe(stream[0]!.sequence);
    expect(again.counted).toBe(records.length);
    expect(await reader.readDay(DAY)).toEqual(usageFromRecords(DAY, records));
    flaky.destroy();
  });

  it('reads a day with the same number of queries at 10 and at 200 requests', async () => {
    const { tableName, store } = await freshTable();
    const reads = async (day: string, requests: number) => {
      let queries = 0;
      const counting = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
      counting.middlewareStack.add((next) => async (args) => ((queries += 1), next(args)), { step: 'initialize' });
      const records = fc.sample(attemptArbitrary([day]), { numRuns: requests, seed: requests }).map((record, index) => ({ ...record, requestId: `${day}-req-${index}`, attempt: 1 }));
      await aggregateBatch(asStream(records, day), store);
      const usage = await createDynamoUsageReader({ client: counting, tableName }).readDay(day);
      expect(usage.total.requests).toBe(BigInt(requests));
      counting.destroy();
      return queries;
    };
    const few = await reads('2026-11-25', 10);
    const many = await reads('2026-11-26', 200);
    expect(few).toBe(AGGREGATE_SHARDS);
    expect(many).toBe(few);
  });

  it('are rebuilt exactly from the day\'s records after counts were lost or added', async () => {
    const { tableName, store, reader } = await freshTable();
    const records = uniqueAttempts(fc.sample(attemptArbitrary([DAY, '2026-11-28'], 12), { numRuns: 300, seed: 7 }));
    const ledger = createDynamoLedger({ client: dynamo.client, tableName });
    await ledger.record(records);
    const today = records.filter((record) => record.startedAt.startsWith(DAY));
    await aggregateBatch(asStream(records.slice(0, 200)), store);
    // Damage: a counter item lost, and a stray one that no record explains.
    await dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: aggregatePartition(DAY, 5) }, sk: { S: 'DIM#model#ghost' }, costNanoUsd: { N: '999' } } }));
    await dynamo.client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: aggregatePartition(DAY, 0) }, sk: { S: 'DIM#total#all' } } }));
    expect(await reader.readDay(DAY)).not.toEqual(usageFromRecords(DAY, today));

    const result = await rebuildDay({ client: dynamo.client, tableName, day: DAY, expiresAt: 2_000_000_000 });

    expect(await reader.readDay(DAY)).toEqual(usageFromRecords(DAY, today));
    expect(result.attempts).toBe(today.length);
    expect(result.scanned).toBeGreaterThanOrEqual(records.length);
    // The other day is untouched.
    const other = await reader.readDay('2026-11-28');
    expect(other).toEqual(usageFromRecords('2026-11-28', records.slice(0, 200)));
  });
});
