/**
 * End to end, in local mode: feedback on answers through the local gateway,
 * with the answers made by the official openai client.
 */
import OpenAI from 'openai';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { testPolicyDocument } from '../support/policies';

describe('POST /v1/feedback in local mode', () => {
  let gateway: LocalGateway;
  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(testPolicyDocument()) });
  });
  afterAll(() => gateway.close());

  const answer = async (key: string, route: string) => {
    const client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: key, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Extract the city: I flew to Lisbon.' }] }, { headers: { 'x-switchyard-route': route } })
      .withResponse();
    return response.headers.get('x-switchyard-request-id')!;
  };
  const rate = (key: string, body: unknown) =>
    fetch(`${gateway.baseUrl}/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('takes the caller\'s own feedback, replaces it on a second rating, and shows it per route and model in /v1/usage', async () => {
    const requestId = await answer('owner-key', 'triage');
    const first = await rate('owner-key', { request_id: requestId, score: 'thumbs_up', comment: 'spot on' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      object: 'switchyard.feedback', request_id: requestId, score: 1, model: 'mock/small', route: 'triage', replaced: false, comment_stored: false,
    });
    const second = (await (await rate('owner-key', { request_id: requestId, score: 0.25 })).json()) as { replaced: boolean; score: number };
    expect([second.replaced, second.score]).toEqual([true, 0.25]);

    const usage = (await (await fetch(`${gateway.baseUrl}/usage`, { headers: { authorization: 'Bearer owner-key' } })).json()) as { feedback: unknown[] };
    expect(usage.feedback).toEqual([{ route: 'triage', model: 'mock/small', count: 1, mean_score: '0.250', well_rated: 0, cost_per_well_rated_usd: null }]);
  });

  it('gives another caller a 404 for the same request, and says nothing about it', async () => {
    const requestId = await answer('owner-key', 'triage');
    const stranger = await rate('stranger-key', { request_id: requestId, score: 1 });
    expect(stranger.status).toBe(404);
    const { error } = (await stranger.json()) as { error: { code: string; type: string; message: string } };
    expect([error.code, error.type]).toEqual(['not_found', 'invalid_request_error']);
    const unknown = (await (await rate('stranger-key', { request_id: 'no-such-request', score: 1 })).json()) as { error: { message: string } };
    expect(error.message.replace(requestId, 'ID')).toBe(unknown.error.message.replace('no-such-request', 'ID'));
    // The stranger's own usage shows no feedback; the owner's rating is untouched.
    const usage = (await (await fetch(`${gateway.baseUrl}/usage`, { headers: { authorization: 'Bearer stranger-key' } })).json()) as { feedback: unknown[] };
    expect(usage.feedback).toEqual([]);
  });

  it('answers bad bodies with a 400 in OpenAI\'s error format that says what to send', async () => {
    for (const [body, mentions] of [
      ['{"request_id": ', /not valid JSON/],
      [{ request_id: 'x', score: 2 }, /score/],
      [{ score: 1 }, /request_id/],
    ] as const) {
      const response = await rate('owner-key', body);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { message: string; type: string } };
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toMatch(mentions);
    }
  });
});
