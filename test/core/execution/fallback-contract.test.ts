import { BudgetExceededError, ProviderError, RoutingError } from '../../../lambda/core/base/errors';
import { FIRST_ATTEMPT, firstTryNumbering, MAX_WORKFLOW_INPUT_BYTES, planFallback, taskNumbering } from '../../../lambda/core/execution/fallback-contract';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import { testPolicy } from '../../support/policies';

const policy = testPolicy();
const chain = policy.tiers[1]; // mock/medium, then mock/large
const context = { requestId: 'r', callerId: 'key:0000000000000000', tier: 1 as const, route: null, deadline: Date.now() + 10_000 };
const request = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 100 };
const failure = (kind: ConstructorParameters<typeof ProviderError>[0], retryAfterMs?: number) =>
  new ProviderError(kind, kind, { provider: 'mock', model: chain[0]!.id, ...(retryAfterMs ? { retryAfterMs } : {}) });

describe('planFallback', () => {
  it('retries a transient failure on the same model after the first backoff, numbering after the first try', () => {
    const plan = planFallback({ error: failure('unavailable'), attemptsUsed: 1 }, chain, request, context, policy.fallback);
    expect(plan).toMatchObject({ walk: true, runner: 'workflow', input: { cursor: { index: 0 }, attemptOffset: 1, initialWaitSeconds: 1 } });
  });

  it('waits no more when the attempt already waited out a retry-after', () => {
    const plan = planFallback({ error: failure('throttled', 500), attemptsUsed: 1 }, chain, request, context, policy.fallback);
    expect(plan).toMatchObject({ walk: true, input: { cursor: { index: 0 }, initialWaitSeconds: 0 } });
  });

  it('moves on, with the context floor raised after a context-length failure', () => {
    const plan = planFallback({ error: failure('context_length'), attemptsUsed: 1 }, chain, request, context, policy.fallback);
    expect(plan).toMatchObject({ walk: true, input: { cursor: { index: 1 }, contextFloor: { value: chain[0]!.contextWindow } } });
  });

  it('moves on without a number used when the first candidate was skipped before any call', () => {
    const skipped = planFallback({ error: new RoutingError('skipped', 'open circuit'), attemptsUsed: 0 }, chain, request, context, policy.fallback);
    expect(skipped).toMatchObject({ walk: true, input: { cursor: { index: 1 }, attemptOffset: 0 } });
    const tooLarge = planFallback({ error: new BudgetExceededError('worstCaseTooLarge', 'too large'), attemptsUsed: 0 }, chain, request, context, policy.fallback);
    expect(tooLarge).toMatchObject({ walk: true, input: { cursor: { index: 1 } } });
  });

  it('walks nothing when the failure ends the chain or no candidate is left', () => {
    expect(planFallback({ error: failure('rejected'), attemptsUsed: 1 }, chain, request, context, policy.fallback)).toEqual({
      walk: false,
      outcome: { status: 'stopped', error: 'Switchyard.ProviderRejected', message: 'rejected' },
    });
    expect(planFallback({ error: failure('content_filter'), attemptsUsed: 1 }, chain.slice(0, 1), request, context, policy.fallback)).toMatchObject({ walk: false });
    expect(planFallback({ error: BudgetExceededError.noRoom('global', new Date()), attemptsUsed: 0 }, chain, request, context, policy.fallback)).toMatchObject({ walk: false });
  });

  it('walks in-process when the input and the largest answer could pass what Step Functions carries', () => {
    const large = { ...request, messages: [{ role: 'user' as const, content: 'x'.repeat(MAX_WORKFLOW_INPUT_BYTES) }] };
    expect(planFallback({ error: failure('unavailable'), attemptsUsed: 1 }, chain, large, context, policy.fallback)).toMatchObject({ runner: 'in-process' });
    const longAnswer = { ...request, maxTokens: MAX_WORKFLOW_INPUT_BYTES / 8 };
    const longWriters = chain.map((model) => ({ ...model, maxOutputTokens: MAX_WORKFLOW_INPUT_BYTES }));
    expect(planFallback({ error: failure('unavailable'), attemptsUsed: 1 }, longWriters, longAnswer, context, policy.fallback)).toMatchObject({ runner: 'in-process' });
  });

  it("sizes the answer by the chain's own output limits, not by what the request asked (Claude Code asks for 128,000)", () => {
    const asksForMuch = { ...request, maxTokens: 128_000 };
    expect(planFallback({ error: failure('unavailable'), attemptsUsed: 1 }, chain, asksForMuch, context, policy.fallback)).toMatchObject({ runner: 'workflow' });
  });
});

describe('attempt numbering', () => {
  it("gives the router's first try number 1 without asking the ledger, and counts it only once taken", async () => {
    const numbering = firstTryNumbering();
    expect(numbering.used()).toBe(0);
    expect(await numbering.take()).toBe(FIRST_ATTEMPT);
    expect(numbering.used()).toBe(1);
  });

  it("numbers fallback tasks after the router's offset from the ledger's counter, each number once across tasks", async () => {
    const ledger = createMemoryLedger();
    const task = { requestId: 'r', attemptOffset: 1 };
    const first = taskNumbering(task, ledger);
    const second = taskNumbering(task, ledger);
    expect(await Promise.all([first.take(), second.take(), first.take()])).toEqual([2, 3, 4]);
    expect([first.used(), second.used()]).toEqual([2, 1]);
    expect(await taskNumbering({ requestId: 'other', attemptOffset: 0 }, ledger).take()).toBe(1);
  });
});
