import type { AttemptRecord } from '../../../lambda/core/accounting/ledger';
import type { Policy } from '../../../lambda/policy/policy';
import { runRollup, type AlertClaims, type BudgetAlert, type RollupDependencies } from '../../../lambda/core/accounting/rollup';
import { usageFromRecords } from '../../../lambda/core/accounting/usage-aggregates';
import type { UsageReport } from '../../../lambda/core/accounting/usage-report';
import { testPolicy } from '../../support/policies';
import type { KeyLimitsRecord } from '../../../lambda/core/features/managed-keys';

const DAY = '2026-11-27';
const at = (time: string) => Date.parse(`${DAY}T${time}Z`);
const TEAM = 'key:7ea3000000000000';
const policy = testPolicy({
  budgets: { global: { dailyUsd: '10' }, callers: { [TEAM]: { dailyUsd: '2', mode: 'block' } } },
} as never);

let sequence = 0;
function spend(callerId: string, nanoUsd: bigint, model = 'mock/small', tier: 0 | 1 | 2 | 3 = 1, flagshipNanoUsd = nanoUsd * 4n): AttemptRecord {
  sequence += 1;
  return {
    requestId: `r${sequence}`,
    attempt: 1,
    startedAt: `${DAY}T01:00:00.000Z`,
    callerId,
    tier,
    route: null,
    provider: 'mock',
    model,
    usage: { input: 100, output: 10, cacheRead: 0, cacheWrite: 0 },
    costNanoUsd: nanoUsd,
    flagshipCostNanoUsd: flagshipNanoUsd,
    latencyMs: 5,
    outcome: 'success',
    simulated: false,
    estimated: false,
  };
}

function setup(records: AttemptRecord[], options: { failPublish?: number; policy?: Policy } = {}) {
  const claimed = new Set<string>();
  const published: BudgetAlert[] = [];
  const summaries: UsageReport[] = [];
  let failures = options.failPublish ?? 0;
  const confirmed = new Set<string>();
  const claims: AlertClaims = {
    claim: async (key) => (claimed.has(key) ? false : (claimed.add(key), true)),
    confirm: async (key) => void confirmed.add(key),
    release: async (key) => void claimed.delete(key),
  };
  const dependencies: RollupDependencies = {
    policy: options.policy ?? policy,
    usage: { readDay: async (day) => usageFromRecords(day, records) },
    claims,
    publisher: {
      publish: async (alert) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('SNS is down');
        }
        published.push(alert);
      },
    },
    summaries: { write: async (report) => void summaries.push(report) },
  };
  return { dependencies, published, summaries, claimed, confirmed };
}

const USD = 1_000_000_000n;

describe('runRollup', () => {
  it('alerts once at the highest threshold crossed, and never again that day', async () => {
    const records = [spend('key:a', 8n * USD + USD / 2n)];
    const { dependencies, published, confirmed } = setup(records);
    await runRollup(DAY, at('23:00:00'), dependencies);
    await runRollup(DAY, at('23:10:00'), dependencies);
    expect(published.map((alert) => [alert.budgetId, alert.threshold, alert.severity])).toEqual([['global', '80', 'warning']]);
    expect([...confirmed].sort()).toEqual([`${DAY}#global#50`, `${DAY}#global#80`]) /* 'the 50% alert is implied, never sent late' */;

    records.push(spend('key:a', 2n * USD));
    await runRollup(DAY, at('23:20:00'), dependencies);
    expect(published.map((alert) => alert.threshold)).toEqual(['80', '100']);
    expect(published[1]!.severity).toBe('critical');
  });

  it('writes the day\'s feedback per route and model into the summary', async () => {
    const { dependencies, summaries } = setup([spend('key:a', USD)]);
    const rated = { requestId: 'r', callerId: 'key:a', day: DAY, givenAt: `${DAY}T10:00:00.000Z`, tier: 1 as const, route: 'support', model: 'mock/small', score: 1, costNanoUsd: USD };
    await runRollup(DAY, at('23:00:00'), { ...dependencies, feedback: { readDay: async (day) => (day === DAY ? [rated] : []) } });
    expect(summaries[0]!.feedback).toEqual([{ route: 'support', model: 'mock/small', count: 1, mean_score: '1.000', well_rated: 1, cost_per_well_rated_usd: '1.000000000' }]);
  });

  it('sends each alert once when rollups run concurrently', async () => {
    const { dependencies, published } = setup([spend('key:a', 6n * USD)]);
    await Promise.all(Array.from({ length: 5 }, () => runRollup(DAY, at('23:00:00'), dependencies)));
    expect(published.length).toBe(1);
  });

  it('warns of a projected overrun before any threshold is crossed', async () => {
    // $3 by 06:00 runs at $12 a day against a $10 budget
    const { dependencies, published } = setup([spend('key:a', 3n * USD)]);
    await runRollup(DAY, at('06:00:00'), dependencies);
    expect(published.map((alert) => [alert.budgetId, alert.threshold, alert.severity])).toEqual([['global', 'projected', 'warning']]);
    expect(published[0]!.message).toMatch(/Projected: +\$12\.00 by the end of the day at the current rate \(120\.0% of the budget\)/);
  });

  it('tells of a projected overrun in the threshold alert of the same run, not in a second message', async () => {
    // $8.50 by 20:00 runs at $10.20 a day against a $10 budget
    const { dependencies, published, confirmed } = setup([spend('key:a', 8n * USD + USD / 2n)]);
    await runRollup(DAY, at('20:00:00'), dependencies);
    await runRollup(DAY, at('21:00:00'), dependencies);
    expect(published.map((alert) => [alert.threshold, alert.severity, alert.subject])).toEqual([
      ['80', 'warning', '[Switchyard warning] 2026-11-27 global past 80%, projected over its cap: $8.50 of $10.00'],
    ]);
    expect(published[0]!.message).toMatch(/^Budget "global" \(alert\) passed 80% of its cap and is on course to pass it today\./);
    expect(confirmed.has(`${DAY}#global#projected`)).toBe(true);
  });

  it('warns of a projected overrun that appears after a lower threshold alerted', async () => {
    const records = [spend('key:a', 5n * USD)];
    const { dependencies, published } = setup(records);
    await runRollup(DAY, at('13:00:00'), dependencies); // $5 runs at $9.23 a day
    records.push(spend('key:a', 2n * USD + USD / 2n));
    await runRollup(DAY, at('14:00:00'), dependencies); // $7.50 runs at $12.86 a day
    expect(published.map((alert) => [alert.threshold, alert.severity])).toEqual([
      ['50', 'info'],
      ['projected', 'warning'],
    ]);
  });

  it('sends no projected warning once a threshold of 100% has alerted that day, also after the cap is raised', async () => {
    const records = [spend('key:a', 10n * USD)];
    const { dependencies, published } = setup(records);
    await runRollup(DAY, at('12:00:00'), dependencies);
    records.push(spend('key:a', 3n * USD));
    const raised = testPolicy({ budgets: { global: { dailyUsd: '20' } } });
    await runRollup(DAY, at('13:00:00'), { ...dependencies, policy: raised }); // $13 runs at $24 a day against $20
    expect(published.map((alert) => alert.threshold)).toEqual(['100']);
  });

  it("checks each caller's budget against that caller's own spend", async () => {
    const { dependencies, published } = setup([spend(TEAM, 2n * USD), spend('key:other', USD)]);
    await runRollup(DAY, at('23:00:00'), dependencies);
    expect(published.map((alert) => [alert.budgetId, alert.threshold])).toEqual([[`caller:${TEAM}`, '100']]);
  });

  it('tells the reader of an alert budget that requests are still served, and how to raise the cap or change the mode', async () => {
    const { dependencies, published } = setup([spend('key:a', 8n * USD + USD / 2n)]);
    await runRollup(DAY, at('23:00:00'), dependencies);
    const { message } = published[0]!;
    expect(message).toMatch(/\nRequests are still being served: an alert budget only notifies\.\n/);
    expect(message).toMatch(/To raise the cap, set budgets\.global\.dailyUsd in the routing policy, then redeploy \(npx cdk deploy\) or restart npm start\./);
    expect(message).toMatch(/To act at the cap instead, set budgets\.global\.mode to "downgrade" \(.*\) or "block" \(.*\)\./);
  });

  it('tells the reader of a block budget that requests are refused until the day ends, and how to change that', async () => {
    const { dependencies, published } = setup([spend(TEAM, 2n * USD)]);
    await runRollup(DAY, at('23:00:00'), dependencies);
    const { message } = published[0]!;
    expect(message).toMatch(/\nThe cap is reached: requests are refused \(HTTP 429, budget_exceeded\) until 2026-11-27 ends \(UTC\)\.\n/);
    expect(message).toMatch(/To raise the cap, set budgets\.callers\["key:7ea3000000000000"\]\.dailyUsd in the routing policy, then redeploy/);
    expect(message).toMatch(/To keep serving at the cap, set budgets\.callers\["key:7ea3000000000000"\]\.mode to "downgrade" \(.*\) or "alert" \(.*\)\./);
  });

  it('tells the reader of a downgrade budget whether requests are now routed cheaper, and how to change that', async () => {
    const brownout = testPolicy({ budgets: { callers: { [TEAM]: { dailyUsd: '2', mode: 'downgrade', downgradeAtPercent: 80 } } } });
    const records = [spend(TEAM, USD + USD / 2n)];
    const { dependencies, published } = setup(records, { policy: brownout });
    await runRollup(DAY, at('23:00:00'), dependencies);
    expect(published.map((alert) => alert.threshold)).toEqual(['50']);
    expect(published[0]!.message).toMatch(/\nRequests are served as usual until spend reaches 80% of the cap; then they go one tier cheaper \(2 -> 1, 1 -> 0; tier 3 stays\) until 2026-11-27 ends \(UTC\)\.\n/);

    records.push(spend(TEAM, USD / 5n));
    await runRollup(DAY, at('23:30:00'), dependencies);
    const { message } = published[1]!;
    expect(message).toMatch(/\nSpend has reached 80% of the cap: requests go one tier cheaper \(2 -> 1, 1 -> 0; tier 3 stays\) until 2026-11-27 ends \(UTC\)\.\n/);
    expect(message).toMatch(/To raise the cap, set budgets\.callers\["key:7ea3000000000000"\]\.dailyUsd .*; to downgrade later, raise budgets\.callers\["key:7ea3000000000000"\]\.downgradeAtPercent\./);
    expect(message).toMatch(/To stop downgrading, set budgets\.callers\["key:7ea3000000000000"\]\.mode to "alert" \(.*\) or "block" \(.*\)\./);
  });

  it('alerts a $0 budget with spend as critical and over its cap, never as a percentage of it', async () => {
    const zeroCap = testPolicy({ budgets: { callers: { [TEAM]: { dailyUsd: '0', mode: 'alert' } } } });
    const { dependencies, published } = setup([spend(TEAM, USD / 100n)], { policy: zeroCap });
    await runRollup(DAY, at('12:00:00'), dependencies);
    expect(published.map((alert) => [alert.budgetId, alert.threshold, alert.severity])).toEqual([[`caller:${TEAM}`, '100', 'critical']]);
    const [alert] = published;
    expect(alert!.subject).toMatch(/over its \$0 cap: \$0\.0100 of \$0\.0000/);
    expect(alert!.message).toMatch(/Spend: +\$0\.0100 of \$0\.0000 \(over its \$0 cap\)/);
    expect(`${alert!.subject}\n${alert!.message}`).not.toMatch(/past 100%|\(0\.0%\)/);
  });

  it('sends nothing for a $0 budget without spend', async () => {
    const zeroCap = testPolicy({ budgets: { callers: { [TEAM]: { dailyUsd: '0', mode: 'block' } } } });
    const { dependencies, published } = setup([spend('key:other', USD)], { policy: zeroCap });
    await runRollup(DAY, at('12:00:00'), dependencies);
    expect(published).toEqual([]);
  });

  it('keeps the subject within SNS limits by shortening a long budget id, never the day or the severity', async () => {
    const role = 'arn:aws:iam::123456789012:role/service-role/a-rather-long-role-name-for-the-tests-worker-7';
    const { dependencies, published } = setup([spend(role, 2n * USD)], {
      policy: testPolicy({ budgets: { callers: { [role]: { dailyUsd: '2', mode: 'block' } } } }),
    });
    await runRollup(DAY, at('12:00:00'), dependencies);
    const [alert] = published;
    expect(alert!.subject.length).toBeLessThan(100);
    expect(alert!.subject).toMatch(/^\[Switchyard critical\] 2026-11-27 caller:arn:aws:\S*\.\.\.\S*worker-7 past 100%: \$2\.00 of \$2\.00$/);
    expect(alert!.budgetId).toBe(`caller:${role}`) /* 'the full id is in the budget attribute' */;
  });

  it("shows a caller budget's saving from that caller's own spend, not the gateway's", async () => {
    const { dependencies, published } = setup([spend(TEAM, 2n * USD, 'mock/small', 1, (5n * USD) / 2n), spend('key:other', USD)]);
    await runRollup(DAY, at('23:00:00'), dependencies);
    expect(published[0]!.budgetId).toBe(`caller:${TEAM}`);
    expect(published[0]!.message).toMatch(/\nSaved: +\$0\.5000 against always-flagship \(20\.0%\)\n/);
  });

  it('gives a claim back when publishing fails, so the next run sends it', async () => {
    const { dependencies, published } = setup([spend('key:a', 9n * USD)], { failPublish: 1 });
    await expect(runRollup(DAY, at('23:00:00'), dependencies)).rejects.toThrow(/SNS is down/);
    await runRollup(DAY, at('23:05:00'), dependencies);
    expect(published.map((alert) => alert.threshold)).toEqual(['80']);
  });

  it('writes a message a person can read: spend against budget, shares, top callers, savings and projection', async () => {
    const { dependencies, published, summaries } = setup([
      spend('key:a', 5n * USD, 'mock/large', 2),
      spend('key:b', 3n * USD, 'mock/small', 0),
      spend('key:c', 1n * USD, 'mock/medium', 1),
    ]);
    await runRollup(DAY, at('18:00:00'), dependencies);
    const [alert] = published;
    expect(alert!.subject).toBe('[Switchyard warning] 2026-11-27 global past 80%, projected over its cap: $9.00 of $10.00');
    for (const expected of [
      /Day: +2026-11-27 \(UTC\), as of 18:00 UTC/,
      /Spend: +\$9\.00 of \$10\.00 \(90\.0%\)/,
      /Projected: +\$12\.00/,
      /Saved: +\$27\.00 against always-flagship \(75\.0%\)/,
      /By tier:\n  2 +\$5\.00 +55\.6%/,
      /By model:\n  mock\/large +\$5\.00/,
      /Top callers:\n  key:a +\$5\.00 +55\.6%\s+1 request\n  key:b/,
    ]) {
      expect(alert!.message).toMatch(expected);
    }
    expect(summaries[0]!.total.cost_usd).toBe('9.000000000');
  });
});

describe('runRollup with managed keys', () => {
  const key = (id: string, limits: KeyLimitsRecord['limits'], revokedAt?: number): KeyLimitsRecord => ({ id, limits, revokedAt });

  it("checks each live key's own budget beside the policy's, under the key's caller id", async () => {
    const { dependencies, published, summaries } = setup([spend('key:00000000000000aa', 3n * USD), spend('key:00000000000000bb', 3n * USD)]);
    const keys = {
      budgets: async () => [key('00000000000000aa', { dailyBudget: { usd: '2', mode: 'alert' } }), key('00000000000000bb', { dailyBudget: { usd: '2', mode: 'block' } }, 1)],
    };
    await runRollup(DAY, at('23:00:00'), { ...dependencies, keys });
    expect(published.map((alert) => [alert.budgetId, alert.threshold])).toEqual([
      ['global', '50'],
      ['caller:key:00000000000000aa', '100'],
    ]);
    expect(published[1]!.message).toContain('npx switchyard keys update 00000000000000aa --daily-budget-usd');
    expect(summaries[0]!.budgets.map((budget) => budget.id)).toContain('caller:key:00000000000000aa');
    // A revoked key's budget is not checked.
    expect(summaries[0]!.budgets.map((budget) => budget.id)).not.toContain('caller:key:00000000000000bb');
  });
});

