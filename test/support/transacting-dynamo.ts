/**
 * A stand-in for DynamoDB's `TransactWriteItems` on a client of dynalite,
 * which has no transactions: the whole transaction is checked, then written,
 * one transaction at a time, so it is all or nothing and isolated from the
 * others in this process. It enforces what the aggregator relies on: a `Put`
 * conditioned on `attribute_not_exists` of the key is refused when the item
 * exists, which cancels the transaction with `ConditionalCheckFailed` (and the
 * old item, when `ReturnValuesOnConditionCheckFailure` asks for it) and
 * writes nothing. Any other condition is refused outright, so the stand-in
 * never pretends to check what it does not.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { LEDGER_KEYS } from '../../lambda/adapters/dynamodb/ledger-table';

const NOT_EXISTS = /^attribute_not_exists\((#\w+)\)$/;

export function withTransactions(client: DynamoDBClient, raw: DynamoDBClient): DynamoDBClient {
  let queue: Promise<unknown> = Promise.resolve();
  const transact = async (input: TransactWriteItemsCommandInput) => {
    const items = input.TransactItems ?? [];
    const reasons = await Promise.all(items.map((item) => conditionFails(item, raw)));
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled (stand-in)', $metadata: {}, CancellationReasons: reasons });
    }
    for (const item of items) {
      if (item.Put) await raw.send(new PutItemCommand({ ...item.Put, ConditionExpression: undefined, ReturnValuesOnConditionCheckFailure: undefined, ExpressionAttributeNames: undefined }));
      else if (item.Update) await raw.send(new UpdateItemCommand({ ...item.Update, ReturnValuesOnConditionCheckFailure: undefined }));
      else throw new Error('stand-in: only Put and Update are supported in a transaction');
    }
    return {};
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const turn = queue.then(() => transact(args.input as TransactWriteItemsCommandInput));
      // The next transaction waits for this one, whatever its outcome.
      queue = turn.catch(() => undefined);
      return { output: { $metadata: {}, ...(await turn) }, response: {} } as never;
    },
    { step: 'initialize', name: 'transactionsStandIn' },
  );
  return client;
}

async function conditionFails(item: TransactWriteItem, raw: DynamoDBClient): Promise<{ Code: string; Item?: Record<string, never> }> {
  if (item.Update) {
    if (item.Update.ConditionExpression !== undefined) throw new Error(`stand-in: cannot check the condition ${item.Update.ConditionExpression}`);
    return { Code: 'None' };
  }
  const put = item.Put;
  if (put?.ConditionExpression === undefined) return { Code: 'None' };
  const name = NOT_EXISTS.exec(put.ConditionExpression)?.[1];
  if (name === undefined) throw new Error(`stand-in: cannot check the condition ${put.ConditionExpression}`);
  const key = Object.fromEntries([LEDGER_KEYS.partitionKey, LEDGER_KEYS.sortKey].map((keyName) => [keyName, put.Item![keyName]!]));
  const existing = await raw.send(new GetItemCommand({ TableName: put.TableName, Key: key, ConsistentRead: true }));
  if (existing.Item === undefined) return { Code: 'None' };
  return { Code: 'ConditionalCheckFailed', ...(put.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: existing.Item as Record<string, never> } : {}) };
}
