import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { attemptItem } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import { handler, deliveredAttempt } from '../../lambda/handlers/aggregator';
import { attemptArbitrary, uniqueAttempts } from '../support/attempt-records';
import type { AttemptRecord } from '../../lambda/core/accounting/ledger';

const records = uniqueAttempts(fc.sample(attemptArbitrary(['2026-11-27']), { numRuns: 12, seed: 11 }));

/** A stream record as Lambda delivers it from the ledger table: a new item's image. */
const streamRecord = (record: AttemptRecord, index: number): DynamoDBRecord => ({
  eventID: `event-${index}`,
  eventName: 'INSERT',
  eventSource: 'aws:dynamodb',
  eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/ledger/stream/2026-11-27T00:00:00.000',
  dynamodb: {
    SequenceNumber: String(4_000_000_000_000_000_000n + BigInt(index) * 100n),
    NewImage: attemptItem(record, 90 * 86_400) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
    StreamViewType: 'NEW_IMAGE',
  },
});

describe('aggregator handler', () => {
  const dynamo = mockClient(DynamoDBClient);
  beforeAll(() => {
    process.env['LEDGER_TABLE_NAME'] = 'ledger';
  });
  beforeEach(() => dynamo.reset());
  afterAll(() => {
    delete process.env['LEDGER_TABLE_NAME'];
  });

  it('reads an attempt back from its stream record exactly', () => {
    for (const [index, record] of records.entries()) {
      // Stored as whole milliseconds; an answer's purpose is the default, not stored.
      const stored = { ...record, latencyMs: Math.round(record.latencyMs), purpose: record.purpose === 'answer' ? undefined : record.purpose };
      expect(deliveredAttempt(streamRecord(record, index))).toEqual({ id: `event-${index}`, sequence: String(4_000_000_000_000_000_000n + BigInt(index) * 100n), record: stored });
    }
  });

  it('counts a batch in one transaction and reports no failures', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const event: DynamoDBStreamEvent = { Records: records.map(streamRecord) };

    const response = await handler(event);

    expect(response).toEqual({ batchItemFailures: [] });
    const [call] = dynamo.commandCalls(TransactWriteItemsCommand);
    expect(call!.args[0].input.TransactItems![0]!.Put!.Item!['attempts']).toEqual({ N: String(records.length) });
    expect(call!.args[0].input.TransactItems![0]!.Put!.Item!['through']).toEqual({ S: event.Records.at(-1)!.dynamodb!.SequenceNumber });
  });

  it('answers with a partial batch response naming the first record not counted', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(new Error('service unavailable'));
    const event: DynamoDBStreamEvent = { Records: records.map(streamRecord) };

    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber }] });
  });

  it('skips a record that is not a readable attempt instead of blocking its shard', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});
    const broken = streamRecord(records[1]!, 1);
    delete broken.dynamodb!.NewImage!['costNanoUsd'];
    const event: DynamoDBStreamEvent = { Records: [streamRecord(records[0]!, 0), broken, streamRecord(records[2]!, 2)] };

    expect(deliveredAttempt(broken).record).toBeUndefined();
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!['attempts']).toEqual({ N: '2' });
  });
});
