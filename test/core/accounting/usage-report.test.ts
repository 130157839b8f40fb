import { sumUsage, usageFromRecords, ZERO_COUNTERS, type CounterRow, type UsageCounters } from '../../../lambda/core/accounting/usage-aggregates';
import { describeUsage, percentOf, renderUsage } from '../../../lambda/core/accounting/usage-report';
import { testPolicy } from '../../support/policies';

const DAY = '2026-11-27';
const CALLER = 'key:7ea3000000000000';

/** One caller's day: every counter row the aggregates would hold for it. */
function dayOf(counters: Partial<UsageCounters>) {
  const all = { ...ZERO_COUNTERS, ...counters };
  const rows: CounterRow[] = [
    { dimension: 'total', value: 'all', counters: all },
    { dimension: 'tier', value: '1', counters: all },
    { dimension: 'model', value: 'mock/small', counters: all },
    { dimension: 'caller', value: CALLER, counters: all },
  ];
  return sumUsage(DAY, rows);
}

describe('describeUsage', () => {
  const zeroCap = testPolicy({ budgets: { global: { dailyUsd: '0' } } });

  it('reports a $0 budget with spend as used without bound, in a form Number() reads', () => {
    const report = describeUsage(dayOf({ requests: 1n, attempts: 1n, costNanoUsd: 1_000n }), zeroCap, 'all');
    expect(report.budgets[0]!.used_percent).toBe('Infinity');
    expect(Number(report.budgets[0]!.used_percent)).toBe(Infinity);
  });

  it('reports a $0 budget without spend as 0.0% used', () => {
    const report = describeUsage(dayOf({}), zeroCap, 'all');
    expect(report.budgets[0]!.used_percent).toBe('0.0');
  });
});

describe('renderUsage', () => {
  it('counts one request and one attempt in the singular, and more in the plural', () => {
    const one = renderUsage(describeUsage(dayOf({ requests: 1n, attempts: 1n, costNanoUsd: 1_000n }), testPolicy(), 'all'));
    expect(one).toMatch(/over 1 request and 1 attempt \(exact/);
    expect(one).toMatch(/By tier:\n {2}1 .* 1 request\n/);
    expect(one).not.toMatch(/\b1 (requests|attempts)\b/);
    const two = renderUsage(describeUsage(dayOf({ requests: 2n, attempts: 3n, costNanoUsd: 1_000n }), testPolicy(), 'all'));
    expect(two).toMatch(/over 2 requests and 3 attempts \(exact/);
    expect(two).toMatch(/By tier:\n {2}1 .* 2 requests\n/);
  });

  it('says a $0 budget with spend is over its cap, not 0.0% used', () => {
    const policy = testPolicy({ budgets: { global: { dailyUsd: '0', mode: 'block' } } });
    const text = renderUsage(describeUsage(dayOf({ requests: 1n, attempts: 1n, costNanoUsd: 1_000n }), policy, 'all'));
    expect(text).toMatch(/\n {2}global +\$0\.0000 of +\$0\.0000 +over its \$0 cap {2}\(block\)\n/);
  });
});

describe('spend beyond the answers', () => {
  it('reports a verifier\'s calls apart, by purpose, from the records\' own dimension', () => {
    const answer = { requestId: 'r', attempt: 1, startedAt: `${DAY}T10:00:00.000Z`, callerId: CALLER, tier: 3 as const, route: null, provider: 'mock', model: 'mock/large', usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 }, costNanoUsd: 9_000n, flagshipCostNanoUsd: 9_000n, latencyMs: 1, outcome: 'success' as const, simulated: false, estimated: false };
    const verifier = { ...answer, attempt: 2, model: 'mock/verifier', costNanoUsd: 1_000n, flagshipCostNanoUsd: 0n, purpose: 'verification' as const };
    const report = describeUsage(usageFromRecords(DAY, [answer, verifier]), testPolicy(), 'all');
    expect(report.by_purpose).toEqual([{ key: 'verification', requests: '0', attempts: '1', cost_usd: '0.000001000', share_percent: '10.0' }]);
    expect(report.total.cost_usd).toBe('0.000010000');
    // The always-flagship counterfactual has no verification: it counts against the saving.
    expect(report.total.saved_usd).toBe('-0.000001000');
    expect(renderUsage(report)).toMatch(/Beyond the answers:\n {2}verification .* 10\.0%/);
  });
});

describe('percentOf', () => {
  it('rounds to one decimal half away from zero, a loss included', () => {
    expect(percentOf(28_400n, 56_000n)).toBe('50.7');
    expect(percentOf(-12_200n, 24_300n)).toBe('-50.2');
    expect(percentOf(-1n, 100_000n)).toBe('0.0');
    expect(percentOf(5n, 0n)).toBe('0.0');
  });

  it('gives two decimals when asked, for shares under a percent', () => {
    expect(percentOf(159_72n, 27_600_00n, 2)).toBe('0.58');
    expect(percentOf(5n, 1000n, 2)).toBe('0.50');
    expect(percentOf(-1_234n, 10_000n, 2)).toBe('-12.34');
  });
});
