import {
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { aggregateTransaction, createDynamoAggregateStore } from '../../lambda/adapters/dynamodb/dynamodb-aggregates';
import { aggregateBatch, chunkOf, MAX_TRANSACTION_ITEMS } from '../../lambda/core/accounting/ledger-aggregation';
import { attemptArbitrary, uniqueAttempts } from '../support/attempt-records';
import { asStream } from '../support/feed-delivery';

const TABLE = 'ledger';
const records = (runs: number, callers: number, seed: number) => uniqueAttempts(fc.sample(attemptArbitrary(['2026-11-27', '2026-11-28'], callers), { numRuns: runs, seed }));

const cancelled = (reasons: TransactionCanceledException['CancellationReasons']) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });

describe('the aggregator\'s DynamoDB transaction', () => {
  const dynamo = mockClient(DynamoDBClient);
  const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const store = createDynamoAggregateStore({ client, tableName: TABLE });
  const sent = () => dynamo.commandCalls(TransactWriteItemsCommand).map((call) => call.args[0].input);
  beforeEach(() => dynamo.reset());
  afterAll(() => client.destroy());

  it('puts the marker first, only if it is new, then adds each counter once', () => {
    const chunk = chunkOf(asStream(records(40, 3, 1)));
    const input = aggregateTransaction(chunk, TABLE, 1_800_000_000, 90 * 86_400);
    const [marker, ...counters] = input.TransactItems!;

    expect(marker!.Put).toEqual({
      TableName: TABLE,
      Item: { pk: { S: `AGGMARK#${chunk.markerId}` }, sk: { S: 'MARK' }, through: { S: chunk.through }, attempts: { N: String(chunk.attempts) }, expiresAt: { N: String(1_800_000_000 + 2 * 86_400) } },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(counters).toHaveLength(chunk.deltas.length);
    const keys = counters.map((item) => `${item.Update!.Key!['pk']!.S}|${item.Update!.Key!['sk']!.S}`);
    expect(new Set(keys).size).toBe(keys.length);
    const total = counters.find((item) => item.Update!.Key!['sk']!.S === 'DIM#total#all' && item.Update!.Key!['pk']!.S!.startsWith('AGG#2026-11-27#'))!.Update!;
    expect(total.UpdateExpression).toMatch(/^ADD #m0 :v0, .* SET #ttl = :ttl$/);
    expect(total.ExpressionAttributeValues![':v1']).toEqual({ N: String(chunk.deltas.find((delta) => delta.dimension === 'total' && delta.day === '2026-11-27')!.counters.attempts) });
  });

  it('sends one transaction per chunk, never more than DynamoDB\'s 100 items', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const stream = asStream(records(500, 200, 2));

    const result = await aggregateBatch(stream, store);

    expect(result.counted).toBe(stream.length);
    expect(sent().length).toBeGreaterThan(1);
    for (const input of sent()) expect(input.TransactItems!.length).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
    const attempts = sent().reduce((sum, input) => sum + Number(input.TransactItems![0]!.Put!.Item!['attempts']!.N), 0);
    expect(attempts).toBe(stream.length);
  });

  it('reads how far an earlier chunk went from a cancelled transaction, and skips that far', async () => {
    const stream = asStream(records(30, 3, 3));
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled([{ Code: 'ConditionalCheckFailed', Item: { through: { S: stream[19]!.sequence } } }, { Code: 'None' }]))
      .resolves({});

    const result = await aggregateBatch(stream, store);

    expect(result).toEqual({ counted: 10, duplicates: 20, unreadable: [] });
    const retried = sent()[1]! as TransactWriteItemsCommandInput;
    expect(retried.TransactItems![0]!.Put!.Item!['pk']).toEqual({ S: `AGGMARK#${stream[20]!.id}` });
  });

  it('tries again when another transaction held one of its counters', async () => {
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }]))
      .resolves({});

    const result = await aggregateBatch(asStream(records(5, 2, 4)), store);

    expect(result.counted).toBeGreaterThan(0);
    expect(result.retryFrom).toBeUndefined();
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toEqual(sent()[0]);
  });

  it('hands any other failure back, so the batch is delivered again from that chunk', async () => {
    const stream = asStream(records(5, 2, 5));
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled([{ Code: 'ValidationError', Message: 'bad item' }]));

    const result = await aggregateBatch(stream, store);

    expect(result.counted).toBe(0);
    expect(result.retryFrom).toBe(stream[0]!.sequence);
  });
});
