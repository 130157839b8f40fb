import { createDynamoFeedbackStore } from '../../lambda/adapters/dynamodb/dynamodb-feedback-store';
import type { FeedbackEntry } from '../../lambda/core/features/feedback';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';

const TABLE = 'feedback-test';

describe('feedback on DynamoDB (dynalite)', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  const entry = (requestId: string, day: string, score: number, extra: Partial<FeedbackEntry> = {}): FeedbackEntry => ({
    requestId, callerId: 'key:0wner00000000000', day, givenAt: `${day}T12:00:00.000Z`, tier: 3, route: 'support', model: 'mock/large', score, costNanoUsd: 123_456_789_012n, ...extra,
  });

  it('keeps one item per request, replaced by a later rating, and reads a day back whole', async () => {
    const store = createDynamoFeedbackStore({ client: dynamo.client, tableName: TABLE });
    expect(await store.put(entry('r1', '2026-11-27', 1, { label: 'good', comment: 'kept when allowed' }))).toEqual({ replaced: false });
    expect(await store.put(entry('r1', '2026-11-27', 0.25))).toEqual({ replaced: true });
    await store.put(entry('r2', '2026-11-27', 0.5, { tier: null, route: null }));
    await store.put(entry('r3', '2026-11-26', 1));
    const day = (await store.readDay('2026-11-27')).sort((a, b) => (a.requestId < b.requestId ? -1 : 1));
    expect(day).toEqual([entry('r1', '2026-11-27', 0.25), entry('r2', '2026-11-27', 0.5, { tier: null, route: null })]);
  });
});
