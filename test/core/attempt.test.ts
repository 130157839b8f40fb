import { attemptCandidate, type AttemptDependencies } from '../../lambda/core/attempt';
import { circuitStatus, createMemoryCircuitStore } from '../../lambda/core/circuit-breaker';
import { ProviderError, ROUTING_ERROR_NAMES, type ProviderFailureKind } from '../../lambda/core/errors';
import { createMemoryLedger } from '../../lambda/core/ledger';
import { createMemoryBudgetStore } from '../../lambda/core/budgets';
import type { Completion, ProviderRegistry } from '../../lambda/core/provider';
import { testPolicy } from '../support/policies';
import { scriptedRegistry, usage, type ScriptedOutcome } from '../support/scripted-providers';

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
