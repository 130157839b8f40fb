/**
 * The rollup: reads one day's aggregates (never the records), writes the
 * day's summary, and alerts once per budget and threshold per day, also when
 * it runs twice or concurrently. A projected overrun (the day's run rate says
 * the cap will be passed) warns while spend is below the cap: inside a
 * threshold alert due in the same run, or on its own; never after the cap
 * was reached that day.
 */
import { feedbackLines, type FeedbackStore } from '../features/feedback';
import { withKeyBudgets, type KeyLimitsRecord } from '../features/managed-keys';
import type { Budget, Policy } from '../../policy/policy';
import type { NanoUsd } from './money';
import { ZERO_COUNTERS, type DailyUsage, type UsageCounters, type UsageReader } from './usage-aggregates';
import { describeUsage, formatCents, formatUsed, percentOf, renderUsage, usedPercent, type UsageReport } from './usage-report';
import { DAY_MS, startOfUtcDay } from '../base/utc-day';

export type Severity = 'info' | 'warning' | 'critical';

export interface BudgetAlert {
  readonly day: string;
  readonly budgetId: string;
  /** A percentage threshold, or `projected`. */
  readonly threshold: string;
  /** Lower thresholds this alert stands for: claimed with it, never sent on their own later. */
  readonly implies: readonly string[];
  readonly severity: Severity;
  readonly subject: string;
  readonly message: string;
}

/** Records which alerts were sent, so each is sent once a day. */
export interface AlertClaims {
  /**
   * True for exactly one caller per key, until released; a claim never
   * confirmed (its sender died) may be taken again after a few minutes.
   */
  claim(key: string): Promise<boolean>;
  /** Marks a claimed alert as sent, for good. */
  confirm(key: string): Promise<void>;
  /** Gives a claim back after a failed send, so the next run retries it. */
  release(key: string): Promise<void>;
}

export interface AlertPublisher {
  publish(alert: BudgetAlert): Promise<void>;
}

export interface SummaryStore {
  write(report: UsageReport): Promise<void>;
}

export interface RollupDependencies {
  readonly policy: Policy;
  readonly usage: UsageReader;
  readonly claims: AlertClaims;
  readonly publisher: AlertPublisher;
  readonly summaries: SummaryStore;
  /** Managed keys, whose daily budgets are checked beside the policy's. @default none */
  /** Managed keys' budgets: read without their secrets' hashes. */
  readonly keys?: { budgets(): Promise<readonly KeyLimitsRecord[]> };
  /** The day's feedback, summed per route and model in the summary. @default none */
  readonly feedback?: Pick<FeedbackStore, 'readDay'>;
}

export interface RollupResult {
  readonly report: UsageReport;
  readonly sent: readonly BudgetAlert[];
}

/** SNS refuses subjects of 100 characters or more. */
const MAX_SUBJECT_LENGTH = 99;
/** Too little of the day has passed before this to project from. */
const MIN_PROJECTION_MS = 3_600_000;

export async function runRollup(day: string, now: number, dependencies: RollupDependencies): Promise<RollupResult> {
  const { usage, claims, publisher, summaries } = dependencies;
  const policy = dependencies.keys ? withKeyBudgets(dependencies.policy, await dependencies.keys.budgets()) : dependencies.policy;
  // (The key store skips records it cannot read, so one broken key never stops everyone's alerts.)
  const [daily, rated] = await Promise.all([usage.readDay(day), dependencies.feedback?.readDay(day) ?? []]);
  const report = describeUsage(daily, policy, 'all', undefined, feedbackLines(rated));
  await summaries.write(report);

  const sent: BudgetAlert[] = [];
  const keyOf = (alert: BudgetAlert, threshold: string) => `${alert.day}#${alert.budgetId}#${threshold}`;
  for (const alert of alertsFor(daily, report, policy, now)) {
    const key = keyOf(alert, alert.threshold);
    if (!(await claims.claim(key))) continue;
    try {
      const implied = alert.implies.map((threshold) => keyOf(alert, threshold));
      const claimedImplied = (await Promise.all(implied.map(async (impliedKey) => ((await claims.claim(impliedKey)) ? impliedKey : undefined)))).filter(
        (impliedKey): impliedKey is string => impliedKey !== undefined,
      );
      await publisher.publish(alert);
      await Promise.all([key, ...claimedImplied].map((sentKey) => claims.confirm(sentKey)));
    } catch (error) {
      await claims.release(key).catch(() => undefined);
      throw error;
    }
    sent.push(alert);
  }
  return { report, sent };
}

/** Every alert the day's usage calls for, whether or not already sent. */
export function alertsFor(daily: DailyUsage, report: UsageReport, policy: Policy, now: number): BudgetAlert[] {
  const dayStart = startOfUtcDay(daily.day);
  const elapsed = Math.min(Math.max(now - dayStart, 0), DAY_MS);
  const budgets = [policy.budgets.global, ...policy.budgets.callers.values()].filter((budget): budget is Budget => budget !== undefined);
  const alerts: BudgetAlert[] = [];
  for (const budget of budgets) {
    const usage = budget.callerId === undefined ? daily.total : (daily.byCaller.get(budget.callerId) ?? ZERO_COUNTERS);
    const spent = usage.costNanoUsd;
    // Without spend there is nothing to warn about, also against a $0 cap (which every threshold would pass).
    if (spent === 0n) continue;
    const crossed = policy.budgets.thresholds.filter((threshold) => spent * 100n >= BigInt(threshold) * budget.limitNanoUsd);
    const projected = elapsed > 0 ? (spent * BigInt(DAY_MS)) / BigInt(elapsed) : spent;
    const highest = crossed.at(-1);
    const overrunAhead = projected > budget.limitNanoUsd && spent < budget.limitNanoUsd && elapsed >= MIN_PROJECTION_MS && elapsed < DAY_MS;
    const state: BudgetDay = { day: daily.day, budget, usage, projected, overrunAhead, elapsed, report };
    if (highest !== undefined) {
      const severity: Severity = highest >= 100 || budget.limitNanoUsd === 0n ? 'critical' : highest >= 80 || overrunAhead ? 'warning' : 'info';
      // The threshold alert tells of the overrun, ahead or reached: no projected warning follows it that day.
      const toldOverrun = overrunAhead || spent >= budget.limitNanoUsd;
      alerts.push({
        ...alert(state, String(highest), severity),
        implies: [...crossed.slice(0, -1).map(String), ...(toldOverrun ? ['projected'] : [])],
      });
    }
    // After the threshold alert, which claims it when it carries the projection.
    if (overrunAhead) alerts.push(alert(state, 'projected', 'warning'));
  }
  return alerts;
}

/** One budget's day, as the rollup judges it. */
interface BudgetDay {
  readonly day: string;
  readonly budget: Budget;
  /** What the budget counts: the whole day's usage for the global budget, its caller's for a caller budget. */
  readonly usage: UsageCounters;
  /** The day's spend at the current rate. */
  readonly projected: NanoUsd;
  /** Below the cap, but projected past it (and enough of the day gone to say so). */
  readonly overrunAhead: boolean;
  /** Milliseconds of the day gone. */
  readonly elapsed: number;
  readonly report: UsageReport;
}

function alert(state: BudgetDay, threshold: string, severity: Severity): BudgetAlert {
  const { day, budget, usage, projected, overrunAhead, elapsed, report } = state;
  const spent = usage.costNanoUsd;
  const saved = usage.flagshipCostNanoUsd - spent;
  const zeroCap = budget.limitNanoUsd === 0n;
  const what =
    threshold === 'projected'
      ? 'is on course to pass its cap today'
      : zeroCap
        ? 'has spent against its $0 cap'
        : `passed ${threshold}% of its cap${overrunAhead ? ' and is on course to pass it today' : ''}`;
  const asOf = new Date(startOfUtcDay(day) + elapsed).toISOString().slice(11, 16);
  const headline =
    threshold === 'projected' ? 'projected over its cap' : zeroCap ? 'over its $0 cap' : `past ${threshold}%${overrunAhead ? ', projected over its cap' : ''}`;
  const projectedShare = zeroCap ? formatUsed(usedPercent(projected, 0n)) : `${usedPercent(projected, budget.limitNanoUsd)}% of the budget`;
  const subject = subjectOf(`[Switchyard ${severity}] ${day}`, budget.id, `${headline}: ${formatCents(spent)} of ${formatCents(budget.limitNanoUsd)}`);
  const message = [
    `Budget "${budget.id}" (${budget.mode}) ${what}.`,
    '',
    `Day:        ${day} (UTC), as of ${asOf} UTC`,
    `Spend:      ${formatCents(spent)} of ${formatCents(budget.limitNanoUsd)} (${formatUsed(usedPercent(spent, budget.limitNanoUsd))})`,
    `Projected:  ${formatCents(projected)} by the end of the day at the current rate (${projectedShare})`,
    `Saved:      ${formatCents(saved)} against always-flagship (${percentOf(saved, usage.flagshipCostNanoUsd)}%)`,
    '',
    ...nextSteps(state),
    '',
    renderUsage(report),
  ]
    .filter((line, index, lines) => line !== '' || lines[index - 1] !== '')
    .join('\n');
  return { day, budgetId: budget.id, threshold, implies: [], severity, subject, message };
}

/** What the budget does to requests now, and which policy fields change that. */
function nextSteps({ day, budget, usage }: BudgetDay): string[] {
  const field = budget.callerId === undefined ? 'budgets.global' : `budgets.callers["${budget.callerId}"]`;
  const raise =
    budget.managedKey === true
      ? `To raise the cap, run npx switchyard keys update ${budget.callerId!.slice('key:'.length)} --daily-budget-usd <amount> (it applies within a minute)`
      : `To raise the cap, set ${field}.dailyUsd in the routing policy, then redeploy (npx cdk deploy) or restart npm start`;
  const until = `until ${day} ends (UTC)`;
  const spent = usage.costNanoUsd;
  switch (budget.mode) {
    case 'alert':
      return [
        'Requests are still being served: an alert budget only notifies.',
        `${raise}.`,
        `To act at the cap instead, set ${field}.mode to "downgrade" (route requests one tier cheaper near the cap) or "block" (refuse requests at the cap).`,
      ];
    case 'downgrade': {
      const cheaper = `one tier cheaper (2 -> 1, 1 -> 0; ${budget.downgradeTier3 ? '3 -> 2' : 'tier 3 stays'})`;
      const reached = spent * 100n >= BigInt(budget.downgradeAtPercent) * budget.limitNanoUsd;
      const now =
        budget.limitNanoUsd === 0n
          ? `The cap is $0: requests go ${cheaper} ${until}.`
          : reached
            ? `Spend has reached ${budget.downgradeAtPercent}% of the cap: requests go ${cheaper} ${until}.`
            : `Requests are served as usual until spend reaches ${budget.downgradeAtPercent}% of the cap; then they go ${cheaper} ${until}.`;
      return [
        now,
        `${raise}; to downgrade later, raise ${field}.downgradeAtPercent.`,
        `To stop downgrading, set ${field}.mode to "alert" (notify only) or "block" (refuse requests at the cap).`,
      ];
    }
    case 'block':
      return [
        spent >= budget.limitNanoUsd
          ? `The cap is reached: requests are refused (HTTP 429, budget_exceeded) ${until}.`
          : `Requests are still served while their worst-case cost fits under the cap; past it they are refused (HTTP 429, budget_exceeded) ${until}.`,
        `${raise}.`,
        `To keep serving at the cap, set ${field}.mode to "downgrade" (route requests one tier cheaper near the cap) or "alert" (notify only).`,
      ];
  }
}

/**
 * Fits a subject to SNS by shortening the budget id alone, in its middle: the
 * start says which kind of caller, the end which one (an IAM session, say);
 * the full id is in the `budget` attribute and the message.
 */
function subjectOf(prefix: string, budgetId: string, suffix: string): string {
  const room = MAX_SUBJECT_LENGTH - `${prefix}  ${suffix}`.length;
  if (budgetId.length <= room) return `${prefix} ${budgetId} ${suffix}`;
  const kept = Math.max(room - 3, 0);
  const head = Math.ceil(kept / 2);
  return `${prefix} ${budgetId.slice(0, head)}...${budgetId.slice(budgetId.length - (kept - head))} ${suffix}`;
}
