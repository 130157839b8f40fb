import { createMemoryBudgetStore, downgradeForBudgets, reserveBudgets } from '../../../lambda/core/accounting/budgets';
import { worstCaseAttemptCost } from '../../../lambda/core/accounting/money';
import { maxInputTokens } from '../../../lambda/core/routing/token-estimate';
import { BUDGET_ERROR_NAMES, BudgetExceededError } from '../../../lambda/core/base/errors';
import type { Budget } from '../../../lambda/policy/policy';
import { decideRoute } from '../../../lambda/core/routing/decide-route';
import { defaultPolicy, testPolicy } from '../../support/policies';

const budget = (overrides: Partial<Budget> = {}): Budget => ({
  id: 'caller:key:abc',
  callerId: 'key:abc',
  limitNanoUsd: 1000n,
  mode: 'block',
  downgradeAtPercent: 80,
  downgradeTier3: false,
  ...overrides,
});
const NOW = Date.parse('2026-11-27T15:00:00Z');
const PURPOSE = { model: 'mock/large', maxTokens: 4000 };

describe('reserveBudgets', () => {
  it('reserves the worst case, then settles to the actual cost', async () => {
    const store = createMemoryBudgetStore();
    const settle = await reserveBudgets(store, [budget()], 600n, NOW, PURPOSE);
    expect(store.committed.get('caller:key:abc#2026-11-27')).toBe(600n);
    await settle(250n);
    expect(store.committed.get('caller:key:abc#2026-11-27')).toBe(250n);
  });

  it('refuses a reservation that would pass the cap, naming the budget and its reset, and releases what it held', async () => {
    const store = createMemoryBudgetStore();
    const global = budget({ id: 'global', callerId: undefined, limitNanoUsd: 10_000n });
    await reserveBudgets(store, [budget()], 600n, NOW, PURPOSE);
    await reserveBudgets(store, [budget()], 400n, NOW, PURPOSE);
    await expect(reserveBudgets(store, [global, budget()], 600n, NOW, PURPOSE)).rejects.toThrow(
      BudgetExceededError.noRoom('caller:key:abc', new Date('2026-11-28T00:00:00.000Z')),
    );
    expect(store.committed.get('global#2026-11-27')).toBe(0n) /* 'the global reservation was released' */;
  });

  it('counts downgrade budgets without ever refusing them', async () => {
    const store = createMemoryBudgetStore();
    const settle = await reserveBudgets(store, [budget({ mode: 'downgrade', limitNanoUsd: 1n })], 600n, NOW, PURPOSE);
    await settle(500n);
    expect(store.committed.get('caller:key:abc#2026-11-27')).toBe(500n);
  });

  it('says the request is too large, naming max_tokens, when the budget has room but not for this worst case', async () => {
    const store = createMemoryBudgetStore();
    await reserveBudgets(store, [budget()], 600n, NOW, PURPOSE);
    const refused = reserveBudgets(store, [budget()], 500n, NOW, PURPOSE);
    await expect(refused).rejects.toMatchObject({ name: BUDGET_ERROR_NAMES.worstCaseTooLarge });
    await expect(refused).rejects.toThrow(/worst case on mock\/large \(\$0\.000000500, with max_tokens 4000\) is more than the \$0\.000000400 left today in the daily budget "caller:key:abc"\. Lower max_tokens/);
  });
});

describe('worstCaseAttemptCost', () => {
  it('bounds input by UTF-8 bytes at the dearest input price, and output by the clamped budget', () => {
    const model = testPolicy().models.get('mock/small')!; // $0.1 in, $0.5 cache read, $0.2 out per million; 100 output tokens at most
    const cost = worstCaseAttemptCost(model, maxInputTokens([{ content: 'héllo' }]), 5000);
    // (6 bytes + 8) * 500 nano + 100 * 200 nano
    expect(cost).toBe(14n * 500n + 100n * 200n);
  });
});

describe('worstCaseAttemptCost past a long-context threshold', () => {
  it('reserves at the long rates once the prompt bound is over the threshold', () => {
    const sonnet = defaultPolicy().models.get('bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0')!;
    // Under: dearest input is the $6 one-hour cache write; over: the $12 long-context one-hour write, and $22.50 output.
    expect(worstCaseAttemptCost(sonnet, 200_000, 1_000)).toBe(200_000n * 6_000n + 1_000n * 15_000n);
    expect(worstCaseAttemptCost(sonnet, 200_001, 1_000)).toBe(200_001n * 12_000n + 1_000n * 22_500n);
  });
});

describe('downgradeForBudgets', () => {
  const policy = testPolicy();
  const decisionFor = (tier: 1 | 2 | 3) =>
    decideRoute(
      { model: `tier-${tier}`, messages: [{ role: 'user', content: 'x' }], maxTokens: undefined, temperature: undefined, topP: undefined, stop: undefined, metadata: {}, stream: false, includeUsage: false, dropped: [], responseFormat: { type: 'text' }, tools: [], toolChoice: undefined, parallelToolCalls: undefined },
      { tierHeader: undefined, routeHeader: undefined, callerId: 'key:abc' },
      policy,
    );
  const brownout = budget({ mode: 'downgrade', limitNanoUsd: 100n });

  it('moves tier 2 to tier 1 past the threshold, saying why', () => {
    const lowered = downgradeForBudgets(decisionFor(2), [brownout], new Map([[brownout.id, 85n]]), policy);
    expect(lowered.tier).toBe(1);
    expect(lowered.chain).toEqual(policy.tiers[1]);
    expect(lowered.reasons.at(-1)!).toMatch(/budget caller:key:abc at 85% of its daily cap: tier 2 -> 1/);
  });

  it('moves every request one tier cheaper when the budget is $0, with or without spend', () => {
    const none = { ...brownout, limitNanoUsd: 0n };
    for (const spent of [0n, 1n]) {
      const lowered = downgradeForBudgets(decisionFor(2), [none], new Map([[none.id, spent]]), policy);
      expect(lowered.tier).toBe(1);
      expect(lowered.reasons.at(-1)!).toMatch(/budget caller:key:abc has a \$0 daily cap: tier 2 -> 1/);
    }
  });

  it('leaves requests alone below the threshold, and tier 3 unless allowed', () => {
    expect(downgradeForBudgets(decisionFor(2), [brownout], new Map([[brownout.id, 79n]]), policy).tier).toBe(2);
    expect(downgradeForBudgets(decisionFor(3), [brownout], new Map([[brownout.id, 99n]]), policy).tier).toBe(3);
    expect(downgradeForBudgets(decisionFor(3), [{ ...brownout, downgradeTier3: true }], new Map([[brownout.id, 99n]]), policy).tier).toBe(2);
  });
});
