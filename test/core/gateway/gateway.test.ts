import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import type { FallbackRunner } from '../../../lambda/core/execution/fallback-contract';
import { testPolicyDocument } from '../../support/policies';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import { MAX_WORKFLOW_INPUT_BYTES } from '../../../lambda/core/execution/fallback-contract';
import type { ProviderRegistry } from '../../../lambda/core/model/provider';
import { testPolicy } from '../../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../../support/scripted-providers';
import { gatewayHarness } from '../../support/gateway-harness';
import { DEFAULT_THRESHOLDS } from '../../../lambda/core/routing/trained-classifier';

const policy = testPolicy();

/** A retryable failure of one candidate: the router's own try, then the workflow's first try and its retries. */
const TRIES_OF_FAILING_PRIMARY = 1 + 1 + policy.fallback.retry.maxAttempts;

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra });

describe('gateway: POST /chat/completions', () => {
  it('names the OpenAI parameters it did not send to the provider in x-switchyard-dropped-params', async () => {
    const { send } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } });
    const dropped = await send('POST', '/chat/completions', chat('Extract the city: I flew to Lisbon.', { seed: 7, user: 'u-1' }));
    expect([dropped.status, dropped.headers['x-switchyard-dropped-params']]).toEqual([200, 'seed,user']);
    const plain = await send('POST', '/chat/completions', chat('Extract the city: I flew to Lisbon.'));
    expect(plain.headers['x-switchyard-dropped-params']).toBeUndefined();
  });

  it('drops hosted tools no model here runs and names them, on Responses and Messages alike; a policy can refuse them instead', async () => {
    const lookup = { type: 'function', name: 'lookup', parameters: { type: 'object' } };
    const responses = { model: 'mock/small', input: 'Find it.', tools: [lookup, { type: 'web_search', external_web_access: false }] };
    const messages = { model: 'mock/small', max_tokens: 50, messages: [{ role: 'user', content: 'Find it.' }], tools: [{ name: 'lookup', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }] };
    const document = testPolicyDocument();
    const withTools = (extra: Record<string, unknown> = {}) =>
      loadPolicy({ ...document, models: { ...document.models, 'mock/small': { ...document.models['mock/small']!, capabilities: ['tools'] } }, ...extra });
    const providers = scriptedRegistry({ 'mock/small': { ok: true, usage: usage(1, 1) } });
    const { send } = gatewayHarness({}, { providers, policy: withTools() });
    for (const [path, body, dropped] of [['/responses', responses, 'web_search'], ['/messages', messages, 'web_search_20250305']] as const) {
      const answer = await send('POST', path, body);
      expect([answer.status, answer.headers['x-switchyard-dropped-tools']]).toEqual([200, dropped]);
    }
    expect(providers.calls.map((call) => call.tools.map((tool) => tool.name))).toEqual([['lookup'], ['lookup']]);

    const untouched = scriptedRegistry({ 'mock/small': { ok: true, usage: usage(1, 1) } });
    const refused = await gatewayHarness({}, { providers: untouched, policy: withTools({ hostedTools: 'refuse' }) }).send('POST', '/responses', responses);
    expect([refused.status, JSON.parse(refused.body).error.message]).toEqual([400, '"tools" offers "web_search": hosted tools are not run here (the policy\'s hostedTools is "refuse"); run the tool in your client.']);
    expect(untouched.calls).toEqual([]);
  });

  it("hands a shadow job the chat request without the caller's Messages body: the candidate answers through Converse", async () => {
    const jobs: { request: Record<string, unknown> }[] = [];
    const shadowing = testPolicy({ shadow: { '0': { model: 'mock/medium', percent: 100 } } });
    const { send } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } }, { policy: shadowing, shadows: { send: async (job) => void jobs.push(job as never) } });
    const answer = await send('POST', '/messages', { model: 'tier-0', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }], context_management: { edits: [] } });
    expect(answer.status).toBe(200);
    await answer.afterResponse?.();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.request).toMatchObject({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(jobs[0]!.request).not.toHaveProperty('anthropicBody');
  });

  it('answers in the chat.completion format with the decision and exact cost in headers', async () => {
    const { send, records } = gatewayHarness({ 'mock/small': { ok: true, usage: { input: 100, output: 40, cacheRead: 20, cacheWrite: 0 }, content: 'Rome' } });
    const response = await send('POST', '/chat/completions', chat('Extract the city: I live in Rome.'));
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.object).toBe('chat.completion');
    expect(body.id).toBe('chatcmpl-req-1');
    expect(body.model).toBe('mock/small');
    expect(body.choices[0].message.content).toBe('Rome');
    expect(body.choices[0].finish_reason).toBe('stop');
    expect(body.usage).toEqual({ prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, prompt_tokens_details: { cached_tokens: 20 } });
    expect(body.system_fingerprint).toBe('switchyard');
    expect(response.headers['x-switchyard-request-id']).toBe('req-1');
    expect(response.headers['x-switchyard-tier']).toBe('0');
    expect(response.headers['x-switchyard-model']).toBe('mock/small');
    expect(response.headers['x-switchyard-provider']).toBe('mock');
    expect(response.headers['x-switchyard-tier-reasons']!).toMatch(/trivial task/);
    // 100 * $0.1 + 40 * $0.2 + 20 * $0.5 per million = $0.000028
    expect(response.headers['x-switchyard-cost-usd']).toBe('0.000028000');
    expect(response.headers['x-switchyard-attempts']).toBe('1');
    expect(response.headers['x-switchyard-simulated']).toBe(undefined);
    expect(records.length).toBe(1);
    expect(records[0]!.costNanoUsd).toBe(28_000n);
    // the same tokens on the flagship (mock/large): 100 * 10 + 40 * 30 + 20 * 0.5
    expect(records[0]!.flagshipCostNanoUsd).toBe(2_210n * 1000n);
  });

  it('retries a throttled primary, then falls back, reporting the whole path and the sum of all attempts', async () => {
    const { send, records } = gatewayHarness({
      'mock/small': { ok: false, kind: 'throttled' },
      'mock/medium': { ok: true, usage: usage(10, 10) },
    });
    const response = await send('POST', '/chat/completions', chat('x'), { 'x-switchyard-tier': '0' });
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-attempts']).toBe(String(TRIES_OF_FAILING_PRIMARY + 1));
    expect(response.headers['x-switchyard-fallback-path']).toBe([...Array(TRIES_OF_FAILING_PRIMARY).fill('mock/small'), 'mock/medium'].join(','));
    expect(response.headers['x-switchyard-cost-usd']).toBe('0.000030000');
    expect(records.map((record) => record.outcome)).toEqual([...Array(TRIES_OF_FAILING_PRIMARY).fill('throttled'), 'success']);
    expect(records.map((record) => record.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers 502 in the OpenAI envelope listing each attempt, and still records them', async () => {
    const { send, records } = gatewayHarness({
      'mock/large': { ok: false, kind: 'unavailable', usage: usage(5, 0) },
    });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    expect(response.status).toBe(502);
    const { error } = JSON.parse(response.body);
    expect(error.type).toBe('upstream_error');
    expect(error.code).toBe('all_candidates_failed');
    expect(error.attempts.map((attempt: { model: string; error: string }) => [attempt.model, attempt.error])).toEqual(Array(TRIES_OF_FAILING_PRIMARY).fill(['mock/large', 'unavailable']));
    expect(error.message).toMatch(/Request id: req-1/);
    expect(records.length).toBe(TRIES_OF_FAILING_PRIMARY);
    expect(response.headers['x-switchyard-tier']).toBe('passthrough');
  });

  it('hands the rest of the chain to the workflow, or walks it in-process when the request is too large for the workflow', async () => {
    const used: string[] = [];
    const workflow: FallbackRunner = {
      run: async (input) => {
        used.push(`workflow from ${input.cursor.index}`);
        return { status: 'exhausted', error: 'Switchyard.ContentFiltered', message: 'scripted' };
      },
    };
    const outcomes: Record<string, ScriptedOutcome> = { 'mock/large': { ok: false, kind: 'content_filter' }, 'mock/medium': { ok: true, usage: usage(1, 1) } };
    const wide = loadPolicy({
      ...testPolicyDocument(),
      models: { ...testPolicyDocument().models, 'mock/medium': { contextWindow: 200_000, maxOutputTokens: 1000, price: { input: '1', output: '2', source: 'test', asOf: '2026-01-01' } } },
    });
    const small = await gatewayHarness(outcomes, { fallback: workflow, policy: wide }).send('POST', '/chat/completions', chat('x'), { 'x-switchyard-tier': '3' });
    expect(small.status).toBe(502);
    expect(used).toEqual(['workflow from 1']);

    const large = await gatewayHarness(outcomes, { fallback: workflow, policy: wide }).send('POST', '/chat/completions', chat('y'.repeat(MAX_WORKFLOW_INPUT_BYTES)), {
      'x-switchyard-tier': '3',
    });
    expect(large.status).toBe(200);
    expect(large.headers['x-switchyard-model']).toBe('mock/medium');
    expect(used).toEqual(['workflow from 1']) /* 'the workflow was not asked' */;
  });

  it('turns a provider rejection into a 400 that quotes the provider', async () => {
    const { send } = gatewayHarness({ 'mock/large': { ok: false, kind: 'rejected' } });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('provider_rejected');
  });

  it('calls no provider and writes nothing for an invalid request', async () => {
    const { send, records, providers } = gatewayHarness({});
    for (const body of ['{oops', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 1 }] }), JSON.stringify(chat('x', { model: 'nope' }))]) {
      const response = await send('POST', '/chat/completions', body);
      expect([400, 404]).toContain(response.status);
      expect(JSON.parse(response.body).error.type).toBe('invalid_request_error');
    }
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
    expect(records.length).toBe(0);
  });

  it('still answers when the ledger is down, and logs the full records without prompt text', async () => {
    const { send, errors } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } }, { failLedger: true });
    const response = await send('POST', '/chat/completions', chat('Extract the secret word: swordfish'));
    expect(response.status).toBe(200);
    expect(errors.length).toBe(1);
    expect(errors[0]!.message).toBe('ledger write failed');
    // As Powertools writes it: bigints as strings.
    const logged = JSON.stringify(errors[0]!.fields, (_, value) => (typeof value === 'bigint' ? value.toString() : value));
    expect(logged).toMatch(/"costNanoUsd":"300"/);
    expect(logged).not.toMatch(/swordfish/);
  });

  it('answers 500 without internals when an adapter throws something unexpected', async () => {
    const broken: ProviderRegistry = {
      isSimulated: () => false,
      get: () => ({
        complete: async () => {
          throw new TypeError('secret internal detail');
        },
      }),
    };
    const { send, errors } = gatewayHarness({}, { providers: broken });
    const response = await send('POST', '/chat/completions', chat('x'));
    expect(response.status).toBe(500);
    const { error } = JSON.parse(response.body);
    expect(error.type).toBe('api_error');
    expect(error.message).toMatch(/request id req-1/);
    expect(response.body).not.toMatch(/secret internal detail/);
    expect(errors[0]!.message).toBe('request failed');
  });
});

describe('gateway: budgets', () => {
  const budgeted = testPolicy({
    budgets: {
      callers: {
        'key:abc0000000000000': { dailyUsd: '0.000001', mode: 'block' },
        'key:b0b0b0b0b0b0b0b0': { dailyUsd: '1', mode: 'downgrade', downgradeAtPercent: 80 },
      },
    },
  } as never);

  it('refuses a request whose worst case alone is past the cap with 429 naming max_tokens, before any provider is called, even with nothing spent', async () => {
    const { send, providers, records } = gatewayHarness({ 'mock/large': { ok: true, usage: usage(1, 1) } }, { policy: budgeted });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    expect(response.status).toBe(429);
    const { error } = JSON.parse(response.body);
    expect([error.type, error.code]).toEqual(['insufficient_quota', 'budget_exceeded']);
    expect(error.message).toMatch(/worst case on mock\/large .* with max_tokens 4096\) is more than the \$0\.000001000 left today in the daily budget "caller:key:abc0000000000000"\. Lower max_tokens/);
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
    expect(records.length).toBe(0);
  });

  it('refuses with "no room left" once the cap is spent', async () => {
    const budgets = createMemoryBudgetStore();
    await budgets.adjust('caller:key:abc0000000000000', new Date().toISOString().slice(0, 10), 1000n);
    const { send, providers } = gatewayHarness({ 'mock/large': { ok: true, usage: usage(1, 1) } }, { policy: budgeted, budgets });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    expect(response.status).toBe(429);
    expect(JSON.parse(response.body).error.message).toMatch(/"caller:key:abc0000000000000" has no room left for this request; it resets at/);
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
  });

  it('moves on to a cheaper candidate whose worst case fits what the budget has left', async () => {
    // Tier 3 is mock/large, then mock/medium; the cap holds medium's worst case for max_tokens 100, not large's.
    const capped = testPolicy({ budgets: { callers: { 'key:abc0000000000000': { dailyUsd: '0.0003', mode: 'block' } } } } as never);
    const { send, providers, records } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(10, 10) } }, { policy: capped });
    const response = await send('POST', '/chat/completions', chat('x', { max_tokens: 100 }), { 'x-switchyard-tier': '3' });
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-model']).toBe('mock/medium');
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.map((call) => call.model.id)).toEqual(['mock/medium']);
    expect(records.map((record) => [record.attempt, record.model])).toEqual([[1, 'mock/medium']]);
  });

  it('routes a caller past its downgrade threshold one tier cheaper, and says why', async () => {
    const { send, budgets } = gatewayHarness({}, { policy: budgeted });
    await budgets.adjust('caller:key:b0b0b0b0b0b0b0b0', new Date().toISOString().slice(0, 10), 850_000_000n);
    const body = JSON.parse((await send('POST', '/route', chat('x', { model: 'tier-2' }), {}, {}, 'key:b0b0b0b0b0b0b0b0')).body);
    expect(body.tier).toBe(1);
    expect(body.reasons.at(-1)).toMatch(/budget caller:key:b0b0b0b0b0b0b0b0 at 85% of its daily cap: tier 2 -> 1/);
  });
});

describe('gateway: usage', () => {
  const withAdmin = testPolicy({ admins: ['key:ad00000000000000'] } as never);
  const traffic = async () => {
    const h = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1000, 100) }, 'mock/large': { ok: true, usage: usage(1000, 100) } }, { policy: withAdmin });
    await h.send('POST', '/chat/completions', chat('x', { model: 'mock/small' }), {}, {}, 'key:abc0000000000000');
    await h.send('POST', '/chat/completions', chat('x', { model: 'mock/large' }), {}, {}, 'key:other');
    return h;
  };

  it("shows a caller only its own usage, and an admin everyone's", async () => {
    const { send } = await traffic();
    const today = new Date().toISOString().slice(0, 10);
    const own = JSON.parse((await send('GET', '/usage', undefined, {}, { date: today }, 'key:abc0000000000000')).body);
    expect(own.scope).toBe('key:abc0000000000000');
    expect(own.by_caller.map((line: { key: string }) => line.key)).toEqual(['key:abc0000000000000']);
    expect(own.total.cost_usd).toBe('0.000120000');
    const everyone = JSON.parse((await send('GET', '/usage', undefined, {}, { date: today }, 'key:ad00000000000000')).body);
    expect(everyone.scope).toBe('all');
    expect(everyone.by_caller.map((line: { key: string }) => line.key)).toEqual(['key:other', 'key:abc0000000000000']);
    expect(everyone.total.cost_usd).toBe('0.013120000');
    expect(everyone.total.saved_usd).toBe('0.012880000');
  });

  it('names a malformed date', async () => {
    const { send } = await traffic();
    const response = await send('GET', '/usage', undefined, {}, { date: '27/11/2026' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.param).toBe('date');
  });

  it('refuses a day the calendar does not have', async () => {
    const { send } = await traffic();
    const response = await send('GET', '/usage', undefined, {}, { date: '2026-02-30' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.message).toBe('"date" is "2026-02-30", which is not a day; use a UTC day as YYYY-MM-DD.');
  });
});

describe('gateway: the json capability', () => {
  const withJson = testPolicy({
    models: {
      ...testPolicyDocument().models,
      'mock/medium': { contextWindow: 8000, maxOutputTokens: 1000, price: { input: '1', output: '2', source: 'test', asOf: '2026-01-01' }, capabilities: ['json'] },
    },
  });

  it('answers 400 naming the capability, without calling anything, when no candidate has it', async () => {
    const { send, providers } = gatewayHarness({});
    const response = await send('POST', '/chat/completions', chat('x', { response_format: { type: 'json_object' } }), { 'x-switchyard-tier': '0' });
    const { error } = JSON.parse(response.body);
    expect([response.status, error.code, error.param]).toEqual([400, 'unsupported_parameter', 'response_format']);
    expect(error.message).toMatch(/"response_format" needs a model with the "json" capability, and none of the candidates \(mock\/small, mock\/medium\) has it/);
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
  });

  it('skips the candidates without it, says so, and hands the format to the provider', async () => {
    const { send, providers } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(1, 1) } }, { policy: withJson });
    const schema = { name: 'city', schema: { type: 'object' } };
    const response = await send('POST', '/chat/completions', chat('x', { response_format: { type: 'json_schema', json_schema: schema } }), { 'x-switchyard-tier': '0' });
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-tier-reasons']).toMatch(/skipped without the "json" capability: mock\/small/);
    const [call] = (providers as ReturnType<typeof scriptedRegistry>).calls;
    expect([call!.model.id, call!.responseFormat]).toEqual(['mock/medium', { type: 'json_schema', jsonSchema: { ...schema, description: undefined, strict: undefined } }]);
  });
});

describe('gateway: context windows', () => {
  it('answers 400 context_length_exceeded without calling anything when no candidate can hold the prompt', async () => {
    const { send, providers, records } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } });
    // Tier 0 is mock/small (1,000 tokens) then mock/medium (8,000): about 10,000 tokens fit neither.
    const response = await send('POST', '/chat/completions', chat('word '.repeat(8000)), { 'x-switchyard-tier': '0' });
    expect(response.status).toBe(400);
    const { error } = JSON.parse(response.body);
    expect([error.type, error.code, error.param]).toEqual(['invalid_request_error', 'context_length_exceeded', 'messages']);
    expect(error.message).toMatch(/about 10004 tokens; the largest context window among the candidates \(mock\/medium\) is 8000 tokens/);
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
    expect(records.length).toBe(0);
  });

  it('skips the candidates too small for the prompt, and says so', async () => {
    const { send, providers } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(1, 1) } });
    const response = await send('POST', '/chat/completions', chat('word '.repeat(1000)), { 'x-switchyard-tier': '0' });
    expect(response.status).toBe(200);
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.map((call) => call.model.id)).toEqual(['mock/medium']);
    expect(response.headers['x-switchyard-tier-reasons']).toMatch(/skipped for context window under ~1254 tokens: mock\/small \(1000\)/);
  });
});

describe('gateway: other endpoints', () => {
  it('lists the virtual and configured models', async () => {
    const response = await gatewayHarness({}).send('GET', '/models');
    const body = JSON.parse(response.body);
    expect(body.object).toBe('list');
    expect(body.data.map((model: { id: string }) => model.id)).toEqual(['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3', 'mock/small', 'mock/medium', 'mock/large', 'local/remote']);
  });

  it("lists exact aliases too, in OpenAI's and Anthropic's shapes at once", async () => {
    const aliased = testPolicy({ aliases: { 'claude-haiku-4-5': 'mock/small', 'claude-*': 'auto' } });
    const body = JSON.parse((await gatewayHarness({}, { policy: aliased }).send('GET', '/models')).body);
    expect(body.data.at(-1)).toMatchObject({ id: 'claude-haiku-4-5', object: 'model', owned_by: 'switchyard', type: 'model', display_name: 'claude-haiku-4-5', alias_of: 'mock/small' });
    expect(body.data.some((model: { id: string }) => model.id.endsWith('*'))).toBe(false);
    expect([body.has_more, body.first_id, body.last_id]).toEqual([false, 'auto', 'claude-haiku-4-5']);
  });

  it('explains a routing decision without calling a model', async () => {
    const { send, providers, records } = gatewayHarness({});
    const response = await send('POST', '/route', chat('Should I move my retirement savings into bonds?'));
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.tier).toBe(3);
    expect(body.affinity).toBeNull();
    expect(body.source).toBe('classifier');
    expect(Object.keys(body.scores).sort()).toEqual(['tier_1_or_more', 'tier_2_or_more', 'tier_3']);
    expect(body.scores.tier_3).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.tier_3);
    expect(body.reasons[0]).toMatch(new RegExp(`^classifier: P\\(tier 3\\) ${body.scores.tier_3.toFixed(2)} >= `));
    expect(body.reasons).toContain('rule: high-stakes: financial ("retirement")');
    expect(body.chain.map((entry: { model: string }) => entry.model)).toEqual(['mock/large', 'mock/medium']);
    expect(body.estimated_max_cost_usd).toMatch(/^\d+\.\d{9}$/);
    expect(response.headers['x-switchyard-tier']).toBe('3');
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.length).toBe(0);
    expect(records.length).toBe(0);
  });

  it('shows open circuits in the decision', async () => {
    const { send, circuits } = gatewayHarness({});
    for (let index = 0; index < policy.fallback.circuitBreaker.failureThreshold; index += 1) await circuits.recordFailure('mock/large', Date.now());
    const body = JSON.parse((await send('POST', '/route', chat('x', { model: 'tier-3' }))).body);
    expect(body.chain.map((entry: { model: string; circuit: string }) => [entry.model, entry.circuit])).toEqual([
      ['mock/large', 'open'],
      ['mock/medium', 'closed'],
    ]);
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the OpenAI envelope', async () => {
    const { send } = gatewayHarness({});
    const missing = await send('GET', '/completions');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toMatch(/POST \/v1\/chat\/completions/);
    const wrongMethod = await send('GET', '/chat/completions');
    expect(wrongMethod.status).toBe(405);
    expect(JSON.parse(wrongMethod.body).error.code).toBe('method_not_allowed');
  });

  it('names a refused request in metrics by its endpoint, as it names that endpoint\'s answers', async () => {
    const { send } = gatewayHarness({});
    const refused = await send('POST', '/chat/completions', { model: 'auto', messages: [] });
    expect([refused.status, refused.summary.endpoint]).toEqual([400, 'chat']);
    const counted = await send('POST', '/messages/count_tokens', '');
    expect([counted.status, counted.summary.endpoint]).toEqual([400, 'messages/count_tokens']);
    expect(JSON.parse(counted.body).error.message).toBe('The request body is empty: send a JSON object with "model" and "messages".');
  });
});

describe('gateway: anthropic-beta flags on /messages', () => {
  const withBetas = testPolicy({
    models: {
      ...testPolicyDocument().models,
      'mock/small': { ...testPolicyDocument().models['mock/small']!, anthropicBetas: ['context-1m-2025-08-07'] },
    },
  });

  it('sends a model the flags it takes, and names the rest in x-switchyard-dropped-betas', async () => {
    const { send, providers } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } }, { policy: withBetas });
    const body = { model: 'mock/small', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] };
    const response = await send('POST', '/messages', body, { 'anthropic-beta': 'context-1m-2025-08-07,claude-code-20250219' });
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-dropped-betas']).toBe('claude-code-20250219');
    expect((providers as ReturnType<typeof scriptedRegistry>).calls[0]!.betas).toEqual(['context-1m-2025-08-07']);
  });
});

describe('gateway: reasoning', () => {
  const withReasoning = testPolicy({
    models: {
      ...testPolicyDocument().models,
      'mock/medium': { ...testPolicyDocument().models['mock/medium']!, capabilities: ['reasoning'] },
    },
  });

  it('sends the reasoning asked for to a model that reasons, and says so when the one that answered does not', async () => {
    const { send, providers } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) }, 'mock/medium': { ok: true, usage: usage(1, 1) } }, { policy: withReasoning });
    const toSmall = await send('POST', '/chat/completions', chat('x', { model: 'mock/small', reasoning_effort: 'low' }));
    expect(toSmall.headers['x-switchyard-adjusted']).toBe('reasoning not sent (mock/small has no reasoning capability)');
    const toMedium = await send('POST', '/chat/completions', chat('x', { model: 'mock/medium', reasoning_effort: 'low' }));
    expect(toMedium.headers['x-switchyard-adjusted']).toBeUndefined();
    expect((providers as ReturnType<typeof scriptedRegistry>).calls.map((call) => call.reasoning)).toEqual([undefined, { effort: 'low' }]);
  });
});

describe('gateway: a managed key\'s limits', () => {
  const hard = 'Prove that the halting problem is undecidable, step by step, and then analyse the complexity of the reduction you used in detail.';

  it('lowers a classified tier to the key\'s highest, and says so', async () => {
    const open = JSON.parse((await gatewayHarness({}).send('POST', '/route', chat(hard))).body);
    expect(open.tier).toBeGreaterThan(0);
    const capped = JSON.parse((await gatewayHarness({}, { keyLimits: { maxTier: 0 } }).send('POST', '/route', chat(hard))).body);
    expect(capped.tier).toBe(0);
    expect(capped.chain.map((model: { model: string }) => model.model)).toEqual(['mock/small', 'mock/medium']);
    expect(capped.reasons.at(-1)).toBe(`tier ${open.tier} -> 0: the key's highest tier`);
  });

  it('refuses, with a 403, a tier the caller asked for above the key\'s highest, and calls no provider', async () => {
    const { send, records } = gatewayHarness({ 'mock/large': { ok: true, usage: usage(1, 1) } }, { keyLimits: { maxTier: 1 } });
    const refused = await send('POST', '/chat/completions', chat('hi', { model: 'tier-3' }));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toMatchObject({ type: 'permission_error', code: 'tier_not_allowed', param: 'model' });
    expect(JSON.parse(refused.body).error.message).toBe('This API key may use tiers 0 to 1; ask for tier-1 or lower, or use "auto".');
    const named = await send('POST', '/chat/completions', chat('hi', { model: 'local/remote' }));
    expect([named.status, JSON.parse(named.body).error.code]).toEqual([403, 'model_not_allowed']);
    expect(records).toHaveLength(0);
  });

  it('routes only to the key\'s models, and refuses a request none of them can serve', async () => {
    const { send, records } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(1, 1) } }, { keyLimits: { models: ['mock/medium'] } });
    const served = await send('POST', '/chat/completions', chat('hi', { model: 'tier-0' }));
    expect([served.status, served.headers['x-switchyard-model']]).toEqual([200, 'mock/medium']);
    expect(served.headers['x-switchyard-tier-reasons']).toContain('not allowed for this key: mock/small');
    const refused = await send('POST', '/chat/completions', chat('hi', { model: 'tier-2' }));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.message).toBe('This API key may not use tier 2 (mock/large). It may use: mock/medium.');
    expect(records.map((record) => record.model)).toEqual(['mock/medium']);
  });

  it('moves a classified request to the nearest tier that has one of the key\'s models, but not an explicit one', async () => {
    const { send } = gatewayHarness({ 'mock/large': { ok: true, usage: usage(1, 1) } }, { keyLimits: { models: ['mock/large'] } });
    const decision = JSON.parse((await send('POST', '/route', chat('Extract the city: I flew to Lisbon.'))).body);
    expect(decision.tier).toBeGreaterThanOrEqual(1);
    expect(decision.chain.map((model: { model: string }) => model.model)).toEqual(['mock/large']);
    expect(decision.reasons.at(-1)).toMatch(/^tier 0 -> [12]: the nearest tier with the key's models$/);
    expect((await send('POST', '/chat/completions', chat('hi', { model: 'tier-0' }))).status).toBe(403);
  });

  it('counts spend against the key\'s own block budget, and refuses at its cap with a 429', async () => {
    const budgets = createMemoryBudgetStore();
    const { send } = gatewayHarness({ 'mock/small': { ok: true, usage: usage(1, 1) } }, { budgets, keyLimits: { dailyBudget: { usd: '0', mode: 'block' } } });
    const refused = await send('POST', '/chat/completions', chat('hi', { model: 'tier-0' }));
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error.message).toContain('caller:key:abc0000000000000');
    const usageReport = JSON.parse((await send('GET', '/usage')).body);
    expect(usageReport.budgets).toEqual([expect.objectContaining({ id: 'caller:key:abc0000000000000', mode: 'block', limit_usd: '0.000000000' })]);
  });
});

describe('gateway: a forced fallback (x-switchyard-force-fallback)', () => {
  it('is refused with a 403 to a caller that is not an admin, before any provider is called', async () => {
    const { send, records } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(1, 1) } });
    const refused = await send('POST', '/chat/completions', chat('hi', { model: 'tier-1' }), { 'x-switchyard-force-fallback': 'true' });
    expect([refused.status, JSON.parse(refused.body).error.code]).toEqual([403, 'admin_only']);
    expect(records).toHaveLength(0);
  });

  it('fails the first candidate for an admin key, so the next one answers; "false" asks for nothing', async () => {
    const { send } = gatewayHarness({ 'mock/medium': { ok: true, usage: usage(1, 1) }, 'mock/large': { ok: true, usage: usage(1, 1) } }, { keyLimits: { admin: true } });
    const forced = await send('POST', '/chat/completions', chat('hi', { model: 'tier-1' }), { 'x-switchyard-force-fallback': 'true' });
    expect([forced.status, forced.headers['x-switchyard-fallback-path']]).toEqual([200, 'mock/medium,mock/large']);
    const plain = await send('POST', '/chat/completions', chat('hi', { model: 'tier-1' }), { 'x-switchyard-force-fallback': 'false' });
    expect(plain.headers['x-switchyard-fallback-path']).toBe('mock/medium');
  });
});

