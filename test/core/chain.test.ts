import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChain } from '../../lambda/core/chain';
import type { ChatRequest } from '../../lambda/core/chat-request';
import { ChainFailedError, ProviderError } from '../../lambda/core/errors';
import { decideRoute } from '../../lambda/core/routing';
import { testPolicy } from '../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../support/scripted-providers';

const policy = testPolicy();
const chat: ChatRequest = {
  model: 'tier-3',
  messages: [{ role: 'user', content: 'Is this contract clause enforceable?' }],
  maxTokens: 2000,
  temperature: 0.2,
  topP: undefined,
  stop: undefined,
  metadata: {},
};
const decision = decideRoute(chat, { tierHeader: undefined, routeHeader: undefined, callerId: 'key:c' }, policy);
const clock = { now: () => Date.now() };
const run = (outcomes: Record<string, ScriptedOutcome>, deadline = Date.now() + 5000, routing = decision) => {
  const providers = scriptedRegistry(outcomes);
  return {
    providers,
    result: runChain(chat, routing, { requestId: 'r-1', callerId: 'key:c', deadline }, { policy, providers, clock }),
  };
};

describe('runChain', () => {
  it('answers from the first candidate and records one priced attempt', async () => {
    const { result, providers } = await Promise.resolve(run({ 'mock/large': { ok: true, usage: usage(1000, 100) } }));
    const outcome = await result;
    assert.ok(outcome.ok);
    assert.equal(outcome.model.id, 'mock/large');
    assert.equal(outcome.records.length, 1);
    const [record] = outcome.records;
    // 1000 * $10 + 100 * $30 per million = $0.013
    assert.equal(record!.costNanoUsd, 13_000_000n);
    assert.equal(record!.flagshipCostNanoUsd, 13_000_000n);
    assert.deepEqual([record!.attempt, record!.tier, record!.outcome, record!.callerId], [1, 3, 'success', 'key:c']);
    assert.equal(providers.calls[0]!.maxTokens, 2000);
    assert.equal(providers.calls[0]!.temperature, 0.2);
  });

  it('falls back on a retryable failure and records both attempts, charging the failed one its tokens', async () => {
    const { result, providers } = run({
      'mock/large': { ok: false, kind: 'malformed_response', usage: usage(1000, 50) },
      'mock/medium': { ok: true, usage: usage(1000, 100) },
    });
    const outcome = await result;
    assert.ok(outcome.ok);
    assert.equal(outcome.model.id, 'mock/medium');
    assert.deepEqual(outcome.records.map((record) => [record.attempt, record.model, record.outcome]), [
      [1, 'mock/large', 'malformed_response'],
      [2, 'mock/medium', 'success'],
    ]);
    assert.equal(outcome.records[0]!.costNanoUsd, 11_500_000n);
    // mock/medium clamps the 2000-token budget to its own 1000
    assert.equal(providers.calls[1]!.maxTokens, 1000);
  });

  it('stops at once when the provider rejects the request itself', async () => {
    const { result, providers } = run({ 'mock/large': { ok: false, kind: 'rejected' }, 'mock/medium': { ok: true, usage: usage(1, 1) } });
    const outcome = await result;
    assert.ok(!outcome.ok);
    assert.ok(outcome.error instanceof ProviderError && outcome.error.kind === 'rejected');
    assert.equal(providers.calls.length, 1);
  });

  it('skips candidates whose context window is no larger after a context-length failure', async () => {
    const tier1 = decideRoute({ ...chat, model: 'tier-1' }, { tierHeader: undefined, routeHeader: undefined, callerId: 'key:c' }, policy);
    const { result } = run(
      { 'mock/medium': { ok: false, kind: 'context_length' }, 'mock/large': { ok: true, usage: usage(9000, 10) } },
      Date.now() + 5000,
      tier1,
    );
    const outcome = await result;
    assert.ok(outcome.ok);
    assert.equal(outcome.model.id, 'mock/large');

    const reversed = { ...decision, chain: [policy.models.get('mock/large')!, policy.models.get('mock/medium')!] };
    const skipped = await run({ 'mock/large': { ok: false, kind: 'context_length' }, 'mock/medium': { ok: true, usage: usage(1, 1) } }, Date.now() + 5000, reversed).result;
    assert.ok(!skipped.ok && skipped.error instanceof ChainFailedError);
    assert.equal(skipped.records.length, 1, 'the smaller model was not tried');
  });

  it('reports every failed attempt when the whole chain fails', async () => {
    const outcome = await run({ 'mock/large': { ok: false, kind: 'throttled' }, 'mock/medium': { ok: false, kind: 'unavailable' } }).result;
    assert.ok(!outcome.ok && outcome.error instanceof ChainFailedError);
    assert.equal(outcome.error.deadlineExceeded, false);
    assert.deepEqual(outcome.error.attempts.map((attempt) => [attempt.model, attempt.error]), [
      ['mock/large', 'throttled'],
      ['mock/medium', 'unavailable'],
    ]);
  });

  it('ends with a deadline failure instead of starting an attempt after the deadline', async () => {
    const outcome = await run({ 'mock/large': { ok: false, kind: 'timeout', delayMs: 30 }, 'mock/medium': { ok: true, usage: usage(1, 1) } }, Date.now() + 20).result;
    assert.ok(!outcome.ok && outcome.error instanceof ChainFailedError);
    assert.equal(outcome.error.deadlineExceeded, true);
    assert.equal(outcome.records.length, 1);
  });
});
