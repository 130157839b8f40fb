import { CallerError } from '../../../lambda/core/base/errors';
import { createMemoryFeedbackStore, feedbackEntry, feedbackLines, type FeedbackEntry } from '../../../lambda/core/features/feedback';
import { parseFeedback } from '../../../lambda/core/gateway/endpoints/feedback';
import type { AttemptRecord } from '../../../lambda/core/accounting/ledger';
import { testPolicy } from '../../support/policies';

const limits = testPolicy().limits;
const OWNER = 'key:0wner00000000000';
const NOW = new Date('2026-11-28T09:00:00.000Z');
const record = (overrides: Partial<AttemptRecord>): AttemptRecord => ({
  requestId: 'req-1',
  attempt: 1,
  startedAt: '2026-11-27T23:59:00.000Z',
  callerId: OWNER,
  tier: 3,
  route: 'support',
  provider: 'mock',
  model: 'mock/large',
  usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
  costNanoUsd: 4_000n,
  flagshipCostNanoUsd: 4_000n,
  latencyMs: 1,
  outcome: 'success',
  simulated: false,
  estimated: false,
  ...overrides,
});
const body = (fields: Record<string, unknown>) => parseFeedback(JSON.stringify({ request_id: 'req-1', ...fields }), limits);

describe('POST /v1/feedback bodies', () => {
  it('takes a score from 0 to 1 or a thumb, and an optional label and comment', () => {
    expect(body({ score: 0.8 }).score).toBe(0.8);
    expect(body({ score: 'thumbs_down', label: 'wrong-dose', comment: 'no' })).toMatchObject({ score: 'thumbs_down', label: 'wrong-dose', comment: 'no' });
  });

  it('refuses malformed JSON, a missing id and a score out of range with a 400 that says what to send', () => {
    const refusal = (text: string) => {
      try {
        parseFeedback(text, limits);
      } catch (error) {
        return error as CallerError;
      }
      throw new Error('accepted');
    };
    expect([refusal('{"request_id":').status, refusal('{"request_id":').code]).toEqual([400, 'invalid_json']);
    expect(refusal(JSON.stringify({ score: 1 })).message).toMatch(/request_id/);
    expect(refusal(JSON.stringify({ request_id: 'r', score: 1.5 })).message).toMatch(/score/);
    expect(refusal(JSON.stringify({ request_id: 'r', score: 'meh' })).status).toBe(400);
  });
});

describe('feedback on a request', () => {
  const records = [
    record({ attempt: 1, model: 'mock/large', outcome: 'unavailable', costNanoUsd: 1_000n }),
    record({ attempt: 2, model: 'mock/medium' }),
    record({ attempt: 3, model: 'mock/verifier', purpose: 'verification', costNanoUsd: 500n }),
    // A shadow call made after the answer is not what serving the request cost.
    record({ attempt: 4, model: 'mock/small', purpose: 'shadow', costNanoUsd: 70_000n }),
  ];

  it('rates the model that answered, with the tier and route, on the request\'s day, at the cost of every call', () => {
    const entry = feedbackEntry(body({ score: 'thumbs_up' }), OWNER, records, { storeComments: false, now: NOW });
    expect(entry).toEqual({
      requestId: 'req-1',
      callerId: OWNER,
      day: '2026-11-27',
      givenAt: NOW.toISOString(),
      tier: 3,
      route: 'support',
      model: 'mock/medium',
      score: 1,
      costNanoUsd: 5_500n,
    });
    expect(feedbackEntry(body({ score: 'thumbs_down' }), OWNER, records, { storeComments: false, now: NOW }).score).toBe(0);
  });

  it('keeps the comment only when the policy allows it', () => {
    expect(feedbackEntry(body({ score: 1, comment: 'great' }), OWNER, records, { storeComments: false, now: NOW }).comment).toBeUndefined();
    expect(feedbackEntry(body({ score: 1, comment: 'great' }), OWNER, records, { storeComments: true, now: NOW }).comment).toBe('great');
  });

  it('answers the same 404 for another caller\'s request and for one that does not exist', () => {
    const other = () => feedbackEntry(body({ score: 1 }), 'key:someone0000000', records, { storeComments: false, now: NOW });
    const missing = () => feedbackEntry(body({ score: 1 }), OWNER, [], { storeComments: false, now: NOW });
    for (const attempt of [other, missing]) {
      expect(attempt).toThrow(CallerError);
      try {
        attempt();
      } catch (error) {
        expect([(error as CallerError).status, (error as CallerError).code]).toEqual([404, 'not_found']);
        expect((error as CallerError).message).toBe('There is no request req-1 made with this API key. Feedback is taken on your own requests, by the x-switchyard-request-id of the answer.');
      }
    }
  });
});

describe('a day\'s feedback per route and model', () => {
  const entry = (requestId: string, route: string | null, model: string, score: number, costNanoUsd: bigint): FeedbackEntry => ({
    requestId, callerId: OWNER, day: '2026-11-27', givenAt: NOW.toISOString(), tier: 1, route, model, score, costNanoUsd,
  });

  it('counts, averages and prices the well-rated answers (score 0.5 and up)', () => {
    const lines = feedbackLines([
      entry('a', 'support', 'mock/large', 1, 3_000n),
      entry('b', 'support', 'mock/large', 0.5, 3_000n),
      entry('c', 'support', 'mock/large', 0, 3_000n),
      entry('d', null, 'mock/small', 0.2, 1_000n),
    ]);
    expect(lines).toEqual([
      { route: 'support', model: 'mock/large', count: 3, mean_score: '0.500', well_rated: 2, cost_per_well_rated_usd: '0.000004500' },
      { route: '-', model: 'mock/small', count: 1, mean_score: '0.200', well_rated: 0, cost_per_well_rated_usd: null },
    ]);
  });

  it('keeps one rating per request: a later one replaces it', async () => {
    const store = createMemoryFeedbackStore();
    expect(await store.put(entry('a', 'support', 'mock/large', 1, 1n))).toEqual({ replaced: false });
    expect(await store.put(entry('a', 'support', 'mock/large', 0, 1n))).toEqual({ replaced: true });
    expect((await store.readDay('2026-11-27')).map((stored) => stored.score)).toEqual([0]);
  });
});
