import { attemptCandidate, buildAttemptRecord } from '../../../lambda/core/execution/attempt';
import type { AttemptDependencies } from '../../../lambda/core/execution/attempt-contract';
import { circuitStatus, createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { fallbackAction, ProviderError, ROUTING_ERROR_NAMES, type ProviderFailureKind } from '../../../lambda/core/base/errors';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import type { ProviderRegistry } from '../../../lambda/core/model/provider';
import type { Completion, CompletionChunk } from '../../../lambda/core/model/completion';
import { testPolicy } from '../../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../../support/scripted-providers';

const policy = testPolicy({ fallback: { circuitBreaker: { failureThreshold: 3, cooldownSeconds: 30 } } } as never);
const model = policy.models.get('mock/medium')!;
const request = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 5000 };

function setup(
  outcome: ScriptedOutcome | ProviderRegistry,
  now = { value: 1_000_000 },
  budgetMs = 10_000,
  wait?: AttemptDependencies['wait'],
) {
  const ledger = createMemoryLedger();
  const circuits = createMemoryCircuitStore(policy.fallback.circuitBreaker);
  const counts: string[] = [];
  const providers = 'get' in outcome ? outcome : scriptedRegistry({ 'mock/medium': outcome });
  const dependencies: AttemptDependencies = {
    policy,
    providers,
    ledger,
    circuits,
    budgets: createMemoryBudgetStore(),
    clock: { now: () => now.value },
    log: { info: () => undefined, error: () => undefined },
    metrics: { count: (name, dimensions) => counts.push(`${name}:${Object.values(dimensions).join(',')}`) },
    ...(wait ? { wait } : {}),
  };
  const context = { requestId: 'r', callerId: 'c', tier: 1 as const, route: null, deadline: now.value + budgetMs };
  let next = 0;
  const attempt = () => attemptCandidate(model, request, context, async () => (next += 1), dependencies);
  return { attempt, ledger, circuits, counts, now };
}

/** A provider that fails every call the same way. */
function failingWith(kind: ProviderFailureKind, details: { status?: number; retryAfterMs?: number }): ProviderRegistry {
  return {
    isSimulated: () => false,
    get: () => ({
      complete: async (): Promise<Completion> => {
        throw new ProviderError(kind, `scripted ${kind}`, { provider: 'mock', model: model.id, ...details });
      },
    }),
  };
}

describe('attemptCandidate', () => {
  it('records a success with its number, price and the model-clamped output budget', async () => {
    const providers = scriptedRegistry({ 'mock/medium': { ok: true, usage: usage(100, 20) } });
    const { attempt, ledger } = setup(providers);
    const { record } = await attempt();
    expect([record.attempt, record.outcome, record.costNanoUsd]).toEqual([1, 'success', 140_000n]);
    expect(ledger.records.length).toBe(1);
    expect(providers.calls[0]!.maxTokens).toBe(model.maxOutputTokens);
  });

  it('records a failure with the tokens it used, counts it, and rethrows it', async () => {
    const { attempt, ledger, counts } = setup({ ok: false, kind: 'content_filter', usage: usage(50, 5) });
    await expect(attempt()).rejects.toMatchObject({ kind: 'content_filter' });
    expect([ledger.records[0]!.outcome, ledger.records[0]!.costNanoUsd]).toEqual(['content_filter', 60_000n]);
    expect(counts).toEqual(['ProviderFailures:content_filter']);
  });

  it('opens the circuit after the threshold of consecutive failures, then skips the model without calling or numbering it', async () => {
    const providers = scriptedRegistry({ 'mock/medium': { ok: false, kind: 'unavailable' } });
    const { attempt, circuits, counts, ledger, now } = setup(providers);
    for (let index = 0; index < 3; index += 1) await expect(attempt()).rejects.toThrow(ProviderError);
    expect(circuitStatus((await circuits.read([model.id])).get(model.id)!, now.value)).toBe('open');
    expect(counts).toContain(`CircuitOpened:${model.id}`);
    await expect(attempt()).rejects.toMatchObject({ name: ROUTING_ERROR_NAMES.skipped });
    expect(providers.calls.length).toBe(3);
    expect(ledger.records.length).toBe(3);
  });

  it('lets one probe through after the cool-down and closes the circuit when it succeeds', async () => {
    const outcomes: Record<string, ScriptedOutcome> = { 'mock/medium': { ok: false, kind: 'timeout' } };
    const { attempt, circuits, now } = setup(scriptedRegistry(outcomes), { value: 1_000_000 }, 60_000);
    for (let index = 0; index < 3; index += 1) await expect(attempt()).rejects.toThrow(ProviderError);
    now.value += 30_000;
    expect(circuitStatus((await circuits.read([model.id])).get(model.id)!, now.value)).toBe('half-open');
    outcomes['mock/medium'] = { ok: true, usage: usage(1, 1) };
    await attempt();
    expect(circuitStatus((await circuits.read([model.id])).get(model.id)!, now.value)).toBe('closed');
  });

  it('does not count request-specific failures against the circuit', async () => {
    const { attempt, circuits } = setup({ ok: false, kind: 'context_length' });
    for (let index = 0; index < 5; index += 1) await expect(attempt()).rejects.toThrow(ProviderError);
    expect((await circuits.read([model.id])).get(model.id)!.failures).toBe(0);
  });

  it('refuses to start with too little time left', async () => {
    const now = { value: 1_000_000 };
    const { attempt, now: clock } = setup({ ok: true, usage: usage(1, 1) }, now);
    clock.value += 9_900;
    await expect(attempt()).rejects.toMatchObject({ name: ROUTING_ERROR_NAMES.deadline });
  });

  it("waits out a provider's retry-after that fits the deadline, and skips the model when it would not", async () => {
    const throttled = (retryAfterMs: number) => failingWith('throttled', { retryAfterMs });
    const started = Date.now();
    await expect(setup(throttled(60)).attempt()).rejects.toMatchObject({ kind: 'throttled' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55) /* 'the retry-after was waited for' */;
    await expect(setup(throttled(60_000)).attempt()).rejects.toThrow(/retry after 60000 ms/);
  });

  it('waits for a retry-after through the replaceable wait, with a signal the deadline fires, and ends the chain when it does', async () => {
    const throttled = failingWith('throttled', { retryAfterMs: 2000 });
    const waits: { ms: number; aborted: boolean }[] = [];
    const patient = setup(throttled, { value: Date.now() }, 10_000, async (ms, signal) => void waits.push({ ms, aborted: signal.aborted }));
    await expect(patient.attempt()).rejects.toMatchObject({ kind: 'throttled' });
    expect(waits).toEqual([{ ms: 2000, aborted: false }]);

    const cutShort = setup(throttled, { value: Date.now() }, 10_000, async () => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    await expect(cutShort.attempt()).rejects.toMatchObject({ name: ROUTING_ERROR_NAMES.deadline });
    expect(cutShort.ledger.records.map((record) => record.outcome)).toEqual(['throttled']);
  });

  it('records a call it stopped waiting for with the estimated input tokens, priced and marked estimated, never at $0', async () => {
    const hung: ProviderRegistry = {
      isSimulated: () => false,
      get: () => ({
        complete: async (call): Promise<Completion> => {
          await new Promise((resolve) => call.signal.addEventListener('abort', resolve, { once: true }));
          throw new ProviderError('timeout', 'no answer before the deadline', { provider: 'mock', model: model.id });
        },
      }),
    };
    // The test clock stands still, so the 400 ms signal is the attempt's own timeout, not the deadline.
    const { attempt, ledger } = setup(hung, { value: Date.now() }, 400);
    await expect(attempt()).rejects.toMatchObject({ kind: 'timeout' });
    const [entry] = ledger.records;
    // 'hi' is about 1 token, plus 4 for the message's framing; mock/medium charges $1 per million input tokens.
    expect([entry!.outcome, entry!.estimated, entry!.usage.input, entry!.usage.output]).toEqual(['timeout', true, 5, 0]);
    expect(entry!.costNanoUsd).toBe(5_000n);
  });

  it('records what a provider reported when it answered with an error status, not an estimate', async () => {
    const { attempt, ledger } = setup(failingWith('timeout', { status: 504 }));
    await expect(attempt()).rejects.toMatchObject({ kind: 'timeout' });
    expect([ledger.records[0]!.estimated, ledger.records[0]!.costNanoUsd]).toEqual([false, 0n]);
  });

  it('estimates the prompt of a call that failed after its 200 answer began without usage, never $0', async () => {
    // A stream that stalled after its 200 answer began, before any text.
    const { attempt, ledger } = setup(failingWith('timeout', { status: 200 }));
    await expect(attempt()).rejects.toMatchObject({ kind: 'timeout' });
    expect([ledger.records[0]!.estimated, ledger.records[0]!.usage.input, ledger.records[0]!.costNanoUsd]).toEqual([true, 5, 5_000n]);
  });
});

describe('attemptCandidate on a provider that streams: its answer read whole, a hung provider told from a slow answer', () => {
  // A 1 s wait for the first token; mock/medium writes at least 2,000 tokens a second, so its 1,000-token budget adds 500 ms.
  const quick = testPolicy({ fallback: { attemptTimeoutSeconds: 1 } } as never);
  const slowWriter = { ...quick.models.get('mock/medium')!, outputTokensPerSecond: 2000 };

  function streaming(script: (signal: AbortSignal) => AsyncGenerator<CompletionChunk>) {
    const ledger = createMemoryLedger();
    const circuits = createMemoryCircuitStore(quick.fallback.circuitBreaker);
    const dependencies: AttemptDependencies = {
      policy: quick,
      providers: {
        isSimulated: () => false,
        get: () => ({ complete: async () => Promise.reject(new Error('complete is not used when the provider streams')), stream: (call) => script(call.signal) }),
      },
      ledger,
      circuits,
      budgets: createMemoryBudgetStore(),
      clock: { now: () => Date.now() },
      log: { info: () => undefined, error: () => undefined },
    };
    const started = Date.now();
    const context = { requestId: 'r', callerId: 'c', tier: 1 as const, route: null, deadline: Date.now() + 20_000 };
    const attempt = () => attemptCandidate(slowWriter, request, context, async () => 1, dependencies);
    return { attempt, ledger, circuits, elapsed: () => Date.now() - started };
  }
  const untilAborted = (signal: AbortSignal) => new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  const cut = () => new ProviderError('timeout', 'no answer before the deadline', { provider: 'mock', model: slowWriter.id });

  it('assembles text and tool-call pieces into one completion, with the usage the end reports', async () => {
    const { attempt, ledger } = streaming(async function* () {
      yield { type: 'text', text: 'Checking ' };
      yield { type: 'tool_call', index: 0, id: 'c1', name: 'get_weather', arguments: '{"city":' };
      yield { type: 'tool_call', index: 0, arguments: '"Lisbon"}' };
      yield { type: 'end', finishReason: 'tool_calls', usage: usage(10, 4) };
    });
    const { completion } = await attempt();
    expect(completion).toEqual({ content: 'Checking ', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }], finishReason: 'tool_calls', usage: usage(10, 4), simulated: false });
    expect([ledger.records[0]!.outcome, ledger.records[0]!.estimated]).toEqual(['success', false]);
  });

  it('gives up on a provider with no first token after the first-token wait: a timeout, retried and counted against the circuit', async () => {
    const { attempt, ledger, circuits, elapsed } = streaming(async function* (signal) {
      await untilAborted(signal);
      throw cut();
    });
    await expect(attempt()).rejects.toMatchObject({ kind: 'timeout' });
    expect(elapsed()).toBeLessThan(1400);
    expect([ledger.records[0]!.outcome, ledger.records[0]!.estimated, ledger.records[0]!.usage.output]).toEqual(['timeout', true, 0]);
    expect((await circuits.read([slowWriter.id])).get(slowWriter.id)!.failures).toBe(1);
  });

  it('lets an answer that has begun run past the first-token wait, for its output budget at the slowest rate', async () => {
    const { attempt, elapsed } = streaming(async function* () {
      yield { type: 'text', text: 'a' };
      await new Promise((resolve) => setTimeout(resolve, 1200));
      yield { type: 'end', finishReason: 'stop', usage: usage(5, 2) };
    });
    await expect(attempt()).resolves.toMatchObject({ completion: { content: 'a' } });
    expect(elapsed()).toBeGreaterThanOrEqual(1200);
  });

  it('ends an answer that outruns its budget as a generation timeout: the next candidate, not counted, charged for what was seen', async () => {
    const { attempt, ledger, circuits, elapsed } = streaming(async function* (signal) {
      yield { type: 'text', text: 'x'.repeat(400) };
      await untilAborted(signal);
      throw new ProviderError('timeout', 'no answer before the deadline (mid-stream)', { provider: 'mock', model: slowWriter.id, status: 200 });
    });
    const error = await attempt().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'generation_timeout' });
    expect(fallbackAction(error)).toBe('next');
    // 1 s for the first token plus 1,000 tokens at 2,000 a second.
    expect(elapsed()).toBeGreaterThanOrEqual(1500);
    const [entry] = ledger.records;
    // 'hi' is 5 tokens with framing; 400 characters are 100 tokens. mock/medium: $1 in, $2 out per million.
    expect([entry!.outcome, entry!.estimated, entry!.usage.input, entry!.usage.output, entry!.costNanoUsd]).toEqual(['generation_timeout', true, 5, 100, 205_000n]);
    expect((await circuits.read([slowWriter.id])).get(slowWriter.id)!.failures).toBe(0);
  });
});


describe('buildAttemptRecord', () => {
  const startedAt = Date.UTC(2026, 0, 2, 3, 4, 5);
  const facts = {
    model,
    context: { requestId: 'r', callerId: 'c', tier: 1 as const, route: 'triage' },
    number: 3,
    startedAt,
    endedAt: startedAt + 420,
    ending: { outcome: 'success' as const, usage: usage(100, 20), simulated: false, estimated: false },
  };

  it("prices the usage at the model's list price and the counterfactual at the flagship's, with the latency from its timings", () => {
    // mock/medium: $1 in, $2 out per million tokens; the flagship mock/large: $10 in, $30 out.
    expect(buildAttemptRecord(facts, policy.flagship)).toEqual({
      requestId: 'r',
      attempt: 3,
      startedAt: '2026-01-02T03:04:05.000Z',
      callerId: 'c',
      tier: 1,
      route: 'triage',
      provider: 'mock',
      model: 'mock/medium',
      usage: usage(100, 20),
      costNanoUsd: 140_000n,
      flagshipCostNanoUsd: 1_600_000n,
      latencyMs: 420,
      outcome: 'success',
      simulated: false,
      estimated: false,
    });
  });

  it('carries a failed ending as it is: its outcome, estimate and simulation marks', () => {
    const ending = { outcome: 'timeout' as const, usage: usage(5, 0), simulated: true, estimated: true };
    expect(buildAttemptRecord({ ...facts, ending }, policy.flagship)).toMatchObject({ outcome: 'timeout', simulated: true, estimated: true, costNanoUsd: 5_000n });
  });

  it('gives work beyond the answer no flagship counterfactual, and names its purpose', () => {
    const record = buildAttemptRecord({ ...facts, context: { ...facts.context, purpose: 'verification' } }, policy.flagship);
    expect([record.flagshipCostNanoUsd, record.purpose]).toEqual([0n, 'verification']);
    expect('purpose' in buildAttemptRecord({ ...facts, context: { ...facts.context, purpose: 'answer' } }, policy.flagship)).toBe(false);
  });

  it("prices an embedding's counterfactual at its own price: the flagship is a chat model", () => {
    const record = buildAttemptRecord({ ...facts, model: { ...model, type: 'embedding' } }, policy.flagship);
    expect(record.flagshipCostNanoUsd).toBe(record.costNanoUsd);
  });
});
