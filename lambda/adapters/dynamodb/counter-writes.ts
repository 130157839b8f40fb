/**
 * DynamoDB: every store on the one ledger table (attempt records, budgets,
 * circuits, managed keys, feedback, shadow results, daily aggregates), its key
 * layout in ledger-table.ts.
 *
 * Counter `ADD`s are not idempotent: an `ADD` retried after its response was
 * lost counts twice. So they are sent without the SDK's retries, and retried
 * here only after errors that DynamoDB guarantees left the item unchanged
 * (throttling); any other failure reaches the caller, which logs the record.
 */
import type { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const NOT_APPLIED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);
const RETRIES = 3;

export async function sendCounterUpdate(client: DynamoDBClient, update: UpdateItemCommand): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await client.send(update);
      return;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (!NOT_APPLIED.has(name) || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * 2 ** attempt));
    }
  }
}
