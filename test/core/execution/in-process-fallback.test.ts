import { createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { PROVIDER_ERROR_NAMES, ROUTING_ERROR_NAMES } from '../../../lambda/core/base/errors';
import type { FallbackInput } from '../../../lambda/core/execution/fallback-contract';
import { createInProcessFallback } from '../../../lambda/core/execution/in-process-fallback';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import { testPolicy } from '../../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../../support/scripted-providers';

const policy = testPolicy();

function run(outcomes: Record<string, ScriptedOutcome>, chain: string[], start = 0) {
  const providers = scriptedRegistry(outcomes);
  const ledger = createMemoryLedger();
  const waits: number[] = [];
  const dependencies = {
    policy,
    providers,
    ledger,
    circuits: createMemoryCircuitStore({ failureThreshold: 100, cooldownSeconds: 30 }),
    budgets: createMemoryBudgetStore(),
    clock: { now: () => Date.now() },
    log: { info: () => undefined, error: () => undefined },
  };
  const runner = createInProcessFallback(dependencies, { random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
  const input: FallbackInput = {
    requestId: 'r',
    callerId: 'c',
    keyBudget: null,
    tier: 1,
    route: null,
    request: { messages: [{ role: 'user', content: 'hi' }], maxTokens: 100 },
    candidates: chain,
    contextWindows: chain.map((id) => policy.models.get(id)!.contextWindow),
    candidateCount: chain.length,
    cursor: { index: start },
    contextFloor: { value: 0 },
    attemptOffset: 1,
    initialWaitSeconds: 0,
    deadline: Date.now() + 10_000,
  };
  return { outcome: runner.run(input, AbortSignal.timeout(10_000)), providers, ledger, waits };
}

describe('in-process fallback', () => {
  it('retries a transient failure with full-jitter exponential backoff, then moves on', async () => {
    const { outcome, providers, ledger, waits } = run(
      { 'mock/small': { ok: false, kind: 'throttled' }, 'mock/medium': { ok: true, usage: usage(1, 1) } },
      ['mock/small', 'mock/medium'],
    );
    expect(await outcome).toEqual({ status: 'answered', model: 'mock/medium', completion: { content: 'answer from mock/medium', finishReason: 'stop', usage: usage(1, 1), simulated: false } });
    expect(providers.calls.length).toBe(1 + policy.fallback.retry.maxAttempts + 1);
    // half of min(1 s * 2^n, 4 s)
    expect(waits).toEqual([500, 1000]);
    expect(ledger.records.map((record) => record.attempt)).toEqual([2, 3, 4, 5]);
  });

  it('moves on at once after a content-filter refusal', async () => {
    const { outcome, providers } = run({ 'mock/small': { ok: false, kind: 'content_filter' }, 'mock/medium': { ok: true, usage: usage(1, 1) } }, ['mock/small', 'mock/medium']);
    expect((await outcome).status).toBe('answered');
    expect(providers.calls.length).toBe(2);
  });

  it('skips candidates that are no larger after a context-length failure', async () => {
    const { outcome, providers } = run(
      { 'mock/large': { ok: false, kind: 'context_length' }, 'mock/medium': { ok: true, usage: usage(1, 1) } },
      ['mock/large', 'mock/medium'],
    );
    expect(await outcome).toEqual({
      status: 'exhausted',
      error: ROUTING_ERROR_NAMES.skipped,
      message: 'mock/medium has a context window of 8000, not above 100000',
    });
    expect(providers.calls.map((call) => call.model.id)).toEqual(['mock/large']);
  });

  it('stops when the provider rejects the request', async () => {
    const { outcome, providers } = run({ 'mock/small': { ok: false, kind: 'rejected' }, 'mock/medium': { ok: true, usage: usage(1, 1) } }, ['mock/small', 'mock/medium']);
    expect(await outcome).toEqual({ status: 'stopped', error: PROVIDER_ERROR_NAMES.rejected, message: 'scripted rejected' });
    expect(providers.calls.length).toBe(1);
  });

  it('starts where it is told', async () => {
    const { outcome, providers } = run({ 'mock/medium': { ok: true, usage: usage(1, 1) } }, ['mock/small', 'mock/medium'], 1);
    expect((await outcome).status).toBe('answered');
    expect(providers.calls.map((call) => call.model.id)).toEqual(['mock/medium']);
  });
});
