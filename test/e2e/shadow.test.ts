/**
 * End to end, in local mode: shadow traffic through the local gateway, its
 * in-process queue and worker, with the answers asked for by the official
 * openai client.
 */
import { createHash } from 'node:crypto';
import { useLocalOpenAi } from '../support/local-openai';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { EXPERIMENTS_CALLER, sampled } from '../../lambda/core/features/shadow';
import { attemptRows } from '../support/ledger-rows';
import { testPolicyDocument } from '../support/policies';

const KEY = 'shadow-key';
const ADMIN = `key:${createHash('sha256').update(KEY).digest('hex').slice(0, 16)}`;
const CHEAP = { input: '0.1', output: '0.2', source: 'test', asOf: '2026-11-27' };

function policyDocument(): PolicyDocument {
  const base = testPolicyDocument();
  return {
    ...base,
    models: {
      ...base.models,
      'mock/candidate': { contextWindow: 8000, maxOutputTokens: 500, price: CHEAP },
      'mock/slow-candidate': { contextWindow: 8000, maxOutputTokens: 500, price: CHEAP, simulation: { latencyMs: 1500 } },
      'mock/judge': { contextWindow: 8000, maxOutputTokens: 500, price: CHEAP, simulation: { reply: '{"better": "A", "reason": "A is more precise."}' } },
    },
    routes: {
      sampled: { tier: 1, shadow: { model: 'mock/candidate', percent: 20 } },
      judged: { tier: 1, shadow: { model: 'mock/candidate', percent: 100, judge: 'mock/judge' } },
      slow: { tier: 1, shadow: { model: 'mock/slow-candidate', percent: 100 } },
    },
    admins: [ADMIN],
  };
}

describe('shadow traffic in local mode', () => {
  const local = useLocalOpenAi(policyDocument(), KEY);

  const ask = async (route: string) => {
    const { response } = await local.client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Summarise the plot of Hamlet in two sentences.' }] }, { headers: { 'x-switchyard-route': route } })
      .withResponse();
    return response.headers.get('x-switchyard-request-id')!;
  };
  const report = async (route: string) => {
    // The side-by-side projects over the route's requests that day, from the aggregates.
    await local.gateway.aggregates.flush();
    const response = await fetch(`${local.gateway.baseUrl}/shadow?route=${route}`, { headers: { authorization: `Bearer ${KEY}` } });
    return (await response.json()) as {
      requests: number;
      primary: { models: string[]; cost_per_request_usd: string };
      candidate: { models: string[]; cost_per_request_usd: string; failed: number };
      judge: { win: number; tie: number; loss: number; skipped: number; cost_usd: string };
      route_requests: string;
      projected_saving_usd: string;
    };
  };

  it('sends the configured share of 1,000 requests to the candidate, within 4 standard deviations, and exactly those its hash picks', async () => {
    const ids: string[] = [];
    // Eight at a time, as clients would.
    for (let batch = 0; batch < 125; batch += 1) ids.push(...(await Promise.all(Array.from({ length: 8 }, () => ask('sampled')))));
    await local.gateway.shadows.idle();
    const shadowed = (await report('sampled')).requests;
    // 20% of 1,000: mean 200, standard deviation sqrt(1000 * 0.2 * 0.8) = 12.6.
    expect(Math.abs(shadowed - 200)).toBeLessThanOrEqual(51);
    expect(shadowed).toBe(ids.filter((id) => sampled(id, 20)).length);
  }, 120_000);

  it('never keeps the caller waiting: the answer is back while the slow candidate is still running', async () => {
    const requestId = await ask('slow');
    // The answer is here; the shadow call (1.5 s of simulated latency) has not finished.
    expect(local.gateway.shadows.pending()).toBe(1);
    expect((await attemptRows(local.gateway, requestId)).map((row) => row['purpose']?.S ?? 'answer')).toEqual(['answer']);
    await local.gateway.shadows.idle();
    const rows = await attemptRows(local.gateway, requestId);
    expect(rows.map((row) => [row['model']!.S, row['purpose']?.S ?? 'answer'])).toEqual([
      ['mock/medium', 'answer'],
      ['mock/slow-candidate', 'shadow'],
    ]);
    expect(Number(rows[1]!['latencyMs']!.N)).toBeGreaterThanOrEqual(1500);
  });

  it('records the judge\'s verdicts from the candidate\'s side and sums them in the side-by-side report', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 12; index += 1) ids.push(await ask('judged'));
    await local.gateway.shadows.idle();
    const body = await report('judged');
    // The judge always prefers answer A; the candidate is A on the requests whose hash says so.
    const candidateFirst = ids.filter((id) => sampled(`${id}#judge-order`, 50)).length;
    expect(body.requests).toBe(12);
    expect(body.judge).toMatchObject({ win: candidateFirst, tie: 0, loss: 12 - candidateFirst, skipped: 0 });
    expect(Number(body.judge.cost_usd)).toBeGreaterThan(0);
    expect([body.primary.models, body.candidate.models, body.candidate.failed]).toEqual([['mock/medium'], ['mock/candidate'], 0]);
    expect(Number(body.candidate.cost_per_request_usd)).toBeLessThan(Number(body.primary.cost_per_request_usd));
    // An admin's report projects over the route's real requests that day.
    expect(body.route_requests).toBe('12');
    expect(Number(body.projected_saving_usd)).toBeGreaterThan(0);
    const rows = await attemptRows(local.gateway, ids[0]!);
    expect(rows.map((row) => row['purpose']?.S ?? 'answer')).toEqual(['answer', 'shadow', 'judge']);
    // The caller pays for its answer; the candidate and the judge are the operator's experiment, billed apart.
    expect(rows.map((row) => row['callerId']!.S)).toEqual([ADMIN, EXPERIMENTS_CALLER, EXPERIMENTS_CALLER]);
  });

  it('shadows a streamed answer too, once it has ended', async () => {
    const { data: stream, response } = await local.client.chat.completions
      .create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Name three rivers.' }] }, { headers: { 'x-switchyard-route': 'slow' } })
      .withResponse();
    for await (const chunk of stream) void chunk;
    await local.gateway.shadows.idle();
    const rows = await attemptRows(local.gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => row['purpose']?.S ?? 'answer')).toEqual(['answer', 'shadow']);
  });

  it('counts shadow and judge spend against the day and reports it apart', async () => {
    await local.gateway.aggregates.flush();
    const usage = (await (await fetch(`${local.gateway.baseUrl}/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
      by_purpose: { key: string; attempts: string }[];
    };
    const attempts = Object.fromEntries(usage.by_purpose.map((line) => [line.key, Number(line.attempts)]));
    expect(attempts['judge']).toBe(12);
    expect(attempts['shadow']).toBeGreaterThanOrEqual(12 + 2 + 149);
  });

  it("bills shadow and judge calls to the operator's experiments, apart from the caller, whose budget and model limits they never touch", async () => {
    await local.gateway.aggregates.flush();
    const usage = (await (await fetch(`${local.gateway.baseUrl}/usage`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as {
      by_caller: { key: string; attempts: string }[];
      by_purpose: { key: string; attempts: string }[];
      total: { attempts: string };
    };
    const attempts = (lines: { key: string; attempts: string }[]) => Object.fromEntries(lines.map((line) => [line.key, Number(line.attempts)]));
    const [byCaller, byPurpose] = [attempts(usage.by_caller), attempts(usage.by_purpose)];
    // Every shadow and judge call is the experiments'; the caller's attempts are the rest, its answers.
    expect(byCaller[EXPERIMENTS_CALLER]).toBe(byPurpose['shadow']! + byPurpose['judge']!);
    expect(byCaller[ADMIN]).toBe(Number(usage.total.attempts) - byCaller[EXPERIMENTS_CALLER]!);
  });

  it('refuses a report on a route the policy does not have, naming the ones it does', async () => {
    const response = await fetch(`${local.gateway.baseUrl}/shadow?route=nope`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/name a route of the policy or a tier as tier-0 to tier-3 \(sampled, judged, slow, tier-0, tier-1, tier-2, tier-3\)/);
  });
});
