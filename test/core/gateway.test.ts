import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGateway, type GatewayRequest, type Log } from '../../lambda/core/gateway';
import { createMemoryLedger, type Ledger } from '../../lambda/core/ledger';
import { createMemoryBudgetStore, type BudgetStore } from '../../lambda/core/budgets';
import { usageFromRecords } from '../../lambda/core/usage-aggregates';
import type { Policy } from '../../lambda/core/policy';
import { createMemoryCircuitStore } from '../../lambda/core/circuit-breaker';
import { createInProcessFallback } from '../../lambda/core/in-process-fallback';
import type { FallbackRunner } from '../../lambda/core/fallback';
import { MAX_WORKFLOW_INPUT_BYTES } from '../../lambda/core/chat-flow';
import type { ProviderRegistry } from '../../lambda/core/provider';
import { testPolicy } from '../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../support/scripted-providers';

const policy = testPolicy();

function harness(
  outcomes: Record<string, ScriptedOutcome>,
  options: { failLedger?: boolean; providers?: ProviderRegistry; fallback?: FallbackRunner; budgets?: BudgetStore; policy?: Policy } = {},
) {
  const memory = createMemoryLedger();
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  const ledger: Ledger = {
    ...memory,
    async record(batch) {
      if (options.failLedger) throw new Error('DynamoDB is down');
      await memory.record(batch);
    },
  };
  const log: Log = { info: () => undefined, error: (message, fields) => errors.push({ message, fields }) };
  const providers = options.providers ?? scriptedRegistry(outcomes);
  const circuits = createMemoryCircuitStore(policy.fallback.circuitBreaker);
  const budgets = options.budgets ?? createMemoryBudgetStore();
  const dependencies = { policy: options.policy ?? policy, providers, ledger, circuits, budgets, clock: { now: () => Date.now() }, log };
  const fallback = options.fallback ?? createInProcessFallback(dependencies, { sleep: async () => undefined });
  const usage = { readDay: async (day: string) => usageFromRecords(day, memory.records) };
  const gateway = createGateway({ ...dependencies, fallback, usage });
  let sent = 0;
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, query: Record<string, string> = {}, callerId = 'key:abc') => {
    sent += 1;
    const request: GatewayRequest = {
      requestId: `req-${sent}`,
      method,
      path,
      headers,
      query,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      callerId,
      deadline: Date.now() + 5000,
    };
    return gateway(request);
  };
  return { send, records: memory.records, errors, providers, circuits, budgets };
}

/** A retryable failure of one candidate: the router's own try, then the workflow's first try and its retries. */
const TRIES_OF_FAILING_PRIMARY = 1 + 1 + policy.fallback.retry.maxAttempts;

const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra });

describe('gateway: POST /chat/completions', () => {
  it('answers in the chat.completion format with the decision and exact cost in headers', async () => {
    const { send, records } = harness({ 'mock/small': { ok: true, usage: { input: 100, output: 40, cacheRead: 20, cacheWrite: 0 }, content: 'Rome' } });
    const response = await send('POST', '/chat/completions', chat('Extract the city: I live in Rome.'));
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.id, 'chatcmpl-req-1');
    assert.equal(body.model, 'mock/small');
    assert.equal(body.choices[0].message.content, 'Rome');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(body.usage, { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, prompt_tokens_details: { cached_tokens: 20 } });
    assert.equal(body.system_fingerprint, 'switchyard');
    assert.equal(response.headers['x-switchyard-request-id'], 'req-1');
    assert.equal(response.headers['x-switchyard-tier'], '0');
    assert.equal(response.headers['x-switchyard-model'], 'mock/small');
    assert.equal(response.headers['x-switchyard-provider'], 'mock');
    assert.match(response.headers['x-switchyard-tier-reasons']!, /trivial task/);
    // 100 * $0.1 + 40 * $0.2 + 20 * $0.5 per million = $0.000028
    assert.equal(response.headers['x-switchyard-cost-usd'], '0.000028000');
    assert.equal(response.headers['x-switchyard-attempts'], '1');
    assert.equal(response.headers['x-switchyard-simulated'], undefined);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.costNanoUsd, 28_000n);
    // the same tokens on the flagship (mock/large): 100 * 10 + 40 * 30 + 20 * 0.5
    assert.equal(records[0]!.flagshipCostNanoUsd, 2_210n * 1000n);
  });

  it('retries a throttled primary, then falls back, reporting the whole path and the sum of all attempts', async () => {
    const { send, records } = harness({
      'mock/small': { ok: false, kind: 'throttled' },
      'mock/medium': { ok: true, usage: usage(10, 10) },
    });
    const response = await send('POST', '/chat/completions', chat('x'), { 'x-switchyard-tier': '0' });
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-switchyard-attempts'], String(TRIES_OF_FAILING_PRIMARY + 1));
    assert.equal(response.headers['x-switchyard-fallback-path'], [...Array(TRIES_OF_FAILING_PRIMARY).fill('mock/small'), 'mock/medium'].join(','));
    assert.equal(response.headers['x-switchyard-cost-usd'], '0.000030000');
    assert.deepEqual(records.map((record) => record.outcome), [...Array(TRIES_OF_FAILING_PRIMARY).fill('throttled'), 'success']);
    assert.deepEqual(records.map((record) => record.attempt), [1, 2, 3, 4, 5]);
  });

  it('answers 502 in the OpenAI envelope listing each attempt, and still records them', async () => {
    const { send, records } = harness({
      'mock/large': { ok: false, kind: 'unavailable', usage: usage(5, 0) },
    });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    assert.equal(response.status, 502);
    const { error } = JSON.parse(response.body);
    assert.equal(error.type, 'upstream_error');
    assert.equal(error.code, 'all_candidates_failed');
    assert.deepEqual(
      error.attempts.map((attempt: { model: string; error: string }) => [attempt.model, attempt.error]),
      Array(TRIES_OF_FAILING_PRIMARY).fill(['mock/large', 'unavailable']),
    );
    assert.match(error.message, /Request id: req-1/);
    assert.equal(records.length, TRIES_OF_FAILING_PRIMARY);
    assert.equal(response.headers['x-switchyard-tier'], 'passthrough');
  });

  it('hands the rest of the chain to the workflow, or walks it in-process when the request is too large for the workflow', async () => {
    const used: string[] = [];
    const workflow: FallbackRunner = {
      run: async (input) => {
        used.push(`workflow from ${input.cursor.index}`);
        return { status: 'exhausted' };
      },
    };
    const outcomes: Record<string, ScriptedOutcome> = { 'mock/small': { ok: false, kind: 'content_filter' }, 'mock/medium': { ok: true, usage: usage(1, 1) } };
    const small = await harness(outcomes, { fallback: workflow }).send('POST', '/chat/completions', chat('x'), { 'x-switchyard-tier': '0' });
    assert.equal(small.status, 502);
    assert.deepEqual(used, ['workflow from 1']);

    const large = await harness(outcomes, { fallback: workflow }).send('POST', '/chat/completions', chat('y'.repeat(MAX_WORKFLOW_INPUT_BYTES)), {
      'x-switchyard-tier': '0',
    });
    assert.equal(large.status, 200);
    assert.equal(large.headers['x-switchyard-model'], 'mock/medium');
    assert.deepEqual(used, ['workflow from 1'], 'the workflow was not asked');
  });

  it('turns a provider rejection into a 400 that quotes the provider', async () => {
    const { send } = harness({ 'mock/large': { ok: false, kind: 'rejected' } });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    assert.equal(response.status, 400);
    assert.equal(JSON.parse(response.body).error.code, 'provider_rejected');
  });

  it('calls no provider and writes nothing for an invalid request', async () => {
    const { send, records, providers } = harness({});
    for (const body of ['{oops', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 1 }] }), JSON.stringify(chat('x', { model: 'nope' }))]) {
      const response = await send('POST', '/chat/completions', body);
      assert.ok(response.status === 400 || response.status === 404, `status ${response.status}`);
      assert.equal(JSON.parse(response.body).error.type, 'invalid_request_error');
    }
    assert.equal((providers as ReturnType<typeof scriptedRegistry>).calls.length, 0);
    assert.equal(records.length, 0);
  });

  it('still answers when the ledger is down, and logs the full records without prompt text', async () => {
    const { send, errors } = harness({ 'mock/small': { ok: true, usage: usage(1, 1) } }, { failLedger: true });
    const response = await send('POST', '/chat/completions', chat('Extract the secret word: swordfish'));
    assert.equal(response.status, 200);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.message, 'ledger write failed');
    const logged = JSON.stringify(errors[0]!.fields);
    assert.match(logged, /"costNanoUsd":"300"/);
    assert.doesNotMatch(logged, /swordfish/);
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
    const { send, errors } = harness({}, { providers: broken });
    const response = await send('POST', '/chat/completions', chat('x'));
    assert.equal(response.status, 500);
    const { error } = JSON.parse(response.body);
    assert.equal(error.type, 'api_error');
    assert.match(error.message, /request id req-1/);
    assert.doesNotMatch(response.body, /secret internal detail/);
    assert.equal(errors[0]!.message, 'request failed');
  });
});

describe('gateway: budgets', () => {
  const budgeted = testPolicy({
    budgets: {
      callers: {
        'key:abc': { dailyUsd: '0.000001', mode: 'block' },
        'key:brownout': { dailyUsd: '1', mode: 'downgrade', downgradeAtPercent: 80 },
      },
    },
  } as never);

  it('refuses a blocked caller with 429 before any provider is called', async () => {
    const { send, providers, records } = harness({ 'mock/large': { ok: true, usage: usage(1, 1) } }, { policy: budgeted });
    const response = await send('POST', '/chat/completions', chat('x', { model: 'mock/large' }));
    assert.equal(response.status, 429);
    const { error } = JSON.parse(response.body);
    assert.deepEqual([error.type, error.code], ['insufficient_quota', 'budget_exceeded']);
    assert.match(error.message, /"caller:key:abc" has no room left/);
    assert.equal((providers as ReturnType<typeof scriptedRegistry>).calls.length, 0);
    assert.equal(records.length, 0);
  });

  it('routes a caller past its downgrade threshold one tier cheaper, and says why', async () => {
    const { send, budgets } = harness({}, { policy: budgeted });
    await budgets.adjust('caller:key:brownout', new Date().toISOString().slice(0, 10), 850_000_000n);
    const body = JSON.parse((await send('POST', '/route', chat('x', { model: 'tier-2' }), {}, {}, 'key:brownout')).body);
    assert.equal(body.tier, 1);
    assert.match(body.reasons.at(-1), /budget caller:key:brownout at 85% of its daily cap: tier 2 -> 1/);
  });
});

describe('gateway: usage', () => {
  const withAdmin = testPolicy({ admins: ['key:admin'] } as never);
  const traffic = async () => {
    const h = harness({ 'mock/small': { ok: true, usage: usage(1000, 100) }, 'mock/large': { ok: true, usage: usage(1000, 100) } }, { policy: withAdmin });
    await h.send('POST', '/chat/completions', chat('x', { model: 'mock/small' }), {}, {}, 'key:abc');
    await h.send('POST', '/chat/completions', chat('x', { model: 'mock/large' }), {}, {}, 'key:other');
    return h;
  };

  it("shows a caller only its own usage, and an admin everyone's", async () => {
    const { send } = await traffic();
    const today = new Date().toISOString().slice(0, 10);
    const own = JSON.parse((await send('GET', '/usage', undefined, {}, { date: today }, 'key:abc')).body);
    assert.equal(own.scope, 'key:abc');
    assert.deepEqual(own.by_caller.map((line: { key: string }) => line.key), ['key:abc']);
    assert.equal(own.total.cost_usd, '0.000120000');
    const everyone = JSON.parse((await send('GET', '/usage', undefined, {}, { date: today }, 'key:admin')).body);
    assert.equal(everyone.scope, 'all');
    assert.deepEqual(everyone.by_caller.map((line: { key: string }) => line.key), ['key:other', 'key:abc']);
    assert.equal(everyone.total.cost_usd, '0.013120000');
    assert.equal(everyone.total.saved_usd, '0.012880000');
  });

  it('names a malformed date', async () => {
    const { send } = await traffic();
    const response = await send('GET', '/usage', undefined, {}, { date: '27/11/2026' });
    assert.equal(response.status, 400);
    assert.equal(JSON.parse(response.body).error.param, 'date');
  });
});

describe('gateway: other endpoints', () => {
  it('lists the virtual and configured models', async () => {
    const response = await harness({}).send('GET', '/models');
    const body = JSON.parse(response.body);
    assert.equal(body.object, 'list');
    assert.deepEqual(
      body.data.map((model: { id: string }) => model.id),
      ['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3', 'mock/small', 'mock/medium', 'mock/large', 'local/remote'],
    );
  });

  it('explains a routing decision without calling a model', async () => {
    const { send, providers, records } = harness({});
    const response = await send('POST', '/route', chat('What dosage of aspirin is safe?'));
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body);
    assert.equal(body.tier, 3);
    assert.match(body.reasons[0], /high-stakes: medical/);
    assert.deepEqual(body.chain.map((entry: { model: string }) => entry.model), ['mock/large', 'mock/medium']);
    assert.match(body.estimated_max_cost_usd, /^\d+\.\d{9}$/);
    assert.equal(response.headers['x-switchyard-tier'], '3');
    assert.equal((providers as ReturnType<typeof scriptedRegistry>).calls.length, 0);
    assert.equal(records.length, 0);
  });

  it('shows open circuits in the decision', async () => {
    const { send, circuits } = harness({});
    for (let index = 0; index < policy.fallback.circuitBreaker.failureThreshold; index += 1) await circuits.recordFailure('mock/large', Date.now());
    const body = JSON.parse((await send('POST', '/route', chat('x', { model: 'tier-3' }))).body);
    assert.deepEqual(body.chain.map((entry: { model: string; circuit: string }) => [entry.model, entry.circuit]), [
      ['mock/large', 'open'],
      ['mock/medium', 'closed'],
    ]);
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the OpenAI envelope', async () => {
    const { send } = harness({});
    const missing = await send('GET', '/completions');
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).error.message, /POST \/v1\/chat\/completions/);
    const wrongMethod = await send('GET', '/chat/completions');
    assert.equal(wrongMethod.status, 405);
    assert.equal(JSON.parse(wrongMethod.body).error.code, 'method_not_allowed');
  });
});
