/**
 * The aggregator's transaction path (as deployed on DynamoDB), against
 * dynalite with a stand-in that enforces `TransactWriteItems`' all-or-nothing
 * writes and the marker's condition (test/support/transacting-dynamo.ts): a
 * redelivered chunk counts once.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { createDynamoAggregateStore } from '../../lambda/adapters/dynamodb/dynamodb-aggregates';
import { createDynamoUsageReader } from '../../lambda/adapters/dynamodb/dynamodb-usage';
import { aggregateBatch } from '../../lambda/core/accounting/ledger-aggregation';
import { usageFromRecords } from '../../lambda/core/accounting/usage-aggregates';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { attemptArbitrary, uniqueAttempts } from '../support/attempt-records';
import { asStream, expectExactSumsThroughFaults } from '../support/feed-delivery';
import { withTransactions } from '../support/transacting-dynamo';

const DAY = '2026-11-27';

describe('the aggregator\'s transactions, against dynalite with transactions enforced', () => {
  let dynamo: EmbeddedDynamo;
  let tables = 0;
  const clients: DynamoDBClient[] = [];
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await dynamo.close();
  });

  const freshTable = async () => {
    const tableName = `transactions-test-${(tables += 1)}`;
    await ensureLedgerTable(dynamo.client, tableName);
    const client = withTransactions(new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint }), dynamo.client);
    clients.push(client);
    return { store: createDynamoAggregateStore({ client, tableName }), reader: createDynamoUsageReader({ client: dynamo.client, tableName }) };
  };
  const records = (count: number, seed: number) => uniqueAttempts(fc.sample(attemptArbitrary([DAY], 8), { numRuns: count, seed }));

  it('counts a redelivered batch once, and says how far the first delivery went', async () => {
    const { store, reader } = await freshTable();
    const sent = records(60, 11);
    const stream = asStream(sent);
    expect(await aggregateBatch(stream, store, 20)).toMatchObject({ counted: stream.length, duplicates: 0 });
    expect(await aggregateBatch(stream, store, 20)).toMatchObject({ counted: 0, duplicates: stream.length });
    expect(await reader.readDay(DAY)).toEqual(usageFromRecords(DAY, sent));
  });

  it('counts once when the same chunk is delivered twice at the same time', async () => {
    const { store, reader } = await freshTable();
    const sent = records(15, 12);
    const stream = asStream(sent);
    const results = await Promise.all([aggregateBatch(stream, store), aggregateBatch(stream, store)]);
    expect(results.map((result) => result.counted).sort()).toEqual([0, stream.length]);
    expect(await reader.readDay(DAY)).toEqual(usageFromRecords(DAY, sent));
  });

  it('equal the exact sums of the records through timeouts, lost responses, failed writes and duplicate deliveries', async () => {
    await expectExactSumsThroughFaults(DAY, freshTable, { callers: 20, maxRecords: 80, numRuns: 8 });
  });
});
