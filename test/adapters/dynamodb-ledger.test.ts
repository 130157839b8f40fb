import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { attemptKey, createDynamoLedger } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import type { AttemptRecord } from '../../lambda/core/accounting/ledger';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';

const TABLE = 'ledger-test';
const record = (attempt: number, overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
  requestId: 'req-42',
  attempt,
  startedAt: '2026-11-27T10:00:00.000Z',
  callerId: 'key:0123456789abcdef',
  tier: 2,
  route: null,
  provider: 'bedrock',
  model: 'bedrock/amazon.nova-pro-v1:0',
  usage: { input: 1200, output: 300, cacheRead: 0, cacheWrite: 0 },
  costNanoUsd: 1_920_000n,
  flagshipCostNanoUsd: 13_500_000n,
  latencyMs: 812.4,
  outcome: attempt === 1 ? 'throttled' : 'success',
  simulated: false,
  estimated: false,
  ...overrides,
});

describe('DynamoDB ledger, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  const rowsOf = async (requestId: string) =>
    (
      await dynamo.client.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `REQ#${requestId}` } },
        }),
      )
    ).Items ?? [];

  it('writes one item per attempt with exact integer money and a TTL', async () => {
    await createDynamoLedger({ client: dynamo.client, tableName: TABLE, retentionDays: 30 }).record([record(1), record(2, { route: 'triage' })]);
    const rows = await rowsOf('req-42');
    expect(rows.length).toBe(2);
    const [first, second] = rows;
    expect(first!['sk']).toEqual({ S: 'ATTEMPT#001' });
    expect(first!['costNanoUsd']).toEqual({ N: '1920000' });
    expect(first!['flagshipCostNanoUsd']).toEqual({ N: '13500000' });
    expect(first!['outcome']).toEqual({ S: 'throttled' });
    expect(first!['tier']).toEqual({ N: '2' });
    expect(first!['day']).toEqual({ S: '2026-11-27' });
    expect(first!['latencyMs']).toEqual({ N: '812' });
    expect(first!['route']).toBe(undefined);
    expect(second!['route']).toEqual({ S: 'triage' });
    const expires = Date.parse('2026-11-27T10:00:00Z') / 1000 + 30 * 86_400;
    expect(first!['expiresAt']).toEqual({ N: String(expires) });
  });

  it('keeps whether the usage was estimated, and reads it back', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    await ledger.record([record(1, { requestId: 'req-estimated', estimated: true, outcome: 'timeout' }), record(2, { requestId: 'req-estimated' })]);
    expect((await ledger.recordsFor('req-estimated')).map((entry) => [entry.outcome, entry.estimated])).toEqual([
      ['timeout', true],
      ['success', false],
    ]);
  });

  it('keeps the reasoning tokens a provider reported, and none where it reported none', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    const reasoned = record(1, { requestId: 'req-reasoning' });
    await ledger.record([{ ...reasoned, usage: { ...reasoned.usage, reasoning: 7 } }, record(2, { requestId: 'req-reasoning' })]);
    expect((await ledger.recordsFor('req-reasoning')).map((entry) => entry.usage.reasoning)).toEqual([7, undefined]);
  });

  it('writes an attempt with one conditional PutItem and nothing else, and tells only of records it wrote', async () => {
    const commands: string[] = [];
    const counting = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    counting.middlewareStack.add((next, context) => async (args) => (commands.push(context.commandName!), next(args)), { step: 'initialize' });
    const told: AttemptRecord[][] = [];
    const ledger = createDynamoLedger({ client: counting, tableName: TABLE, onRecorded: (records) => told.push([...records]) });
    const first = record(1, { requestId: 'req-one-write' });
    const second = record(2, { requestId: 'req-one-write' });

    await ledger.record([first, second]);
    await ledger.record([first]);

    expect(commands).toEqual(['PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
    expect(told).toEqual([[first, second]]);
    counting.destroy();
  });

  it('counts an attempt once when the same record is written again', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    const original = record(1, { requestId: 'req-dup' });
    await ledger.record([original]);
    await ledger.record([original, { ...original, costNanoUsd: 999n }]);
    const rows = await rowsOf('req-dup');
    expect(rows.length).toBe(1);
    expect(rows[0]!['costNanoUsd']).toEqual({ N: '1920000' });
  });

  it('omits the tier of a passthrough request and keeps huge costs exact', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: TABLE });
    await ledger.record([record(1, { requestId: 'req-big', tier: null, costNanoUsd: 9_007_199_254_740_993n })]);
    const item = (await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: attemptKey('req-big', 1) }))).Item!;
    expect(item['tier']).toBe(undefined);
    expect(item['costNanoUsd']).toEqual({ N: '9007199254740993' });
  });

  it('fails loudly when the table is missing, so the gateway can log the records', async () => {
    const ledger = createDynamoLedger({ client: dynamo.client, tableName: 'no-such-table' });
    await expect(ledger.record([record(1)])).rejects.toThrow(/ResourceNotFound|non-existent|not found/i);
  });
});
