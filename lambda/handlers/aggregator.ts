/**
 * Handlers: the Lambda entry points, thin adapters from an AWS event to the
 * core and back; each reads its configuration once, at cold start.
 *
 * The aggregator Lambda, fed by the ledger table's DynamoDB Stream (new
 * attempt records only: the event source mapping filters the rest). It sums
 * each batch into the daily counters with `aggregateBatch`, exactly once per
 * record however often a batch is delivered, and answers with a partial
 * batch response: if a chunk could not be written, Lambda delivers the batch
 * again from that chunk's first record. A record that is not a readable
 * attempt is skipped and logged, never retried: it would block its shard.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoAggregateStore } from '../adapters/dynamodb/dynamodb-aggregates';
import { readableAttempt } from '../adapters/dynamodb/dynamodb-ledger';
import { aggregateBatch, type AggregateStore, type DeliveredAttempt } from '../core/accounting/ledger-aggregation';
import { readLedgerConfig } from './runtime-config';

const logger = new Logger({ serviceName: 'switchyard-aggregator' });
let store: AggregateStore | undefined;

export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  store ??= startStore();
  const batch = event.Records.map(deliveredAttempt);
  const result = await aggregateBatch(batch, store);
  for (const id of result.unreadable) logger.error('skipped a stream record that is not a readable attempt; once its day has ended, rebuild it with npm run rebuild-aggregates', { eventId: id });
  if (result.overlapsNextBatch) logger.error('an earlier chunk reached past this batch: the next batch may count some attempts twice; rebuild the day with npm run rebuild-aggregates once it has ended');
  if (result.retryFrom !== undefined) {
    logger.error('aggregates not written; Lambda will deliver the batch again from this record', { sequenceNumber: result.retryFrom, error: result.error as Error });
    return { batchItemFailures: [{ itemIdentifier: result.retryFrom }] };
  }
  logger.info('batch counted', { records: batch.length, counted: result.counted, duplicates: result.duplicates });
  return { batchItemFailures: [] };
}

function startStore(): AggregateStore {
  const config = readLedgerConfig(process.env);
  return createDynamoAggregateStore({ client: new DynamoDBClient({}), tableName: config.ledgerTableName, retentionDays: config.ledgerRetentionDays });
}

/** A stream record as the aggregator reads it: its new image as an attempt, or `undefined` when it is not one. */
export function deliveredAttempt(record: DynamoDBRecord): DeliveredAttempt {
  const image = record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined;
  return { id: record.eventID ?? '', sequence: record.dynamodb?.SequenceNumber ?? '0', record: image === undefined ? undefined : readableAttempt(image) };
}
