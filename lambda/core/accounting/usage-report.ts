/**
 * A day's usage for people: the JSON `GET /usage` answers, and the plain-text
 * table that `npm run report` prints and budget alert e-mails carry. Money is
 * formatted from integer nano-USD; shares are integer per-mille, shown as %.
 */
import { budgetsOf } from './budgets';
import type { KeyBudget } from '../features/managed-keys';
import { formatUsd, type NanoUsd } from './money';
import type { Policy } from '../../policy/policy';
import type { DailyUsage, UsageCounters } from './usage-aggregates';
import type { FeedbackLine } from '../features/feedback';

export interface UsageLine {
  readonly key: string;
  readonly requests: string;
  readonly attempts: string;
  readonly cost_usd: string;
  readonly share_percent: string;
}

export interface BudgetLine {
  readonly id: string;
  readonly mode: string;
  readonly limit_usd: string;
  readonly spent_usd: string;
  /** One decimal, e.g. "88.5"; "Infinity" for a $0 budget with spend, which `Number()` reads as such. */
  readonly used_percent: string;
}

export interface UsageReport {
  readonly object: 'switchyard.usage';
  readonly day: string;
  /** `all`, or the caller id the report is limited to. */
  readonly scope: string;
  readonly total: UsageLine & {
    readonly input_tokens: string;
    readonly output_tokens: string;
    readonly cache_read_tokens: string;
    readonly cache_write_tokens: string;
    readonly flagship_cost_usd: string;
    readonly saved_usd: string;
    readonly saved_percent: string;
  };
  readonly by_tier: readonly UsageLine[];
  readonly by_model: readonly UsageLine[];
  readonly by_route: readonly UsageLine[];
  readonly by_caller: readonly UsageLine[];
  /** Spend beyond the answers, e.g. `verification`; its share is of the day's total. */
  readonly by_purpose: readonly UsageLine[];
  /** Feedback on the day's answers, per route and model (`POST /v1/feedback`). */
  readonly feedback: readonly FeedbackLine[];
  readonly budgets: readonly BudgetLine[];
}

/** `part / whole` as a percentage with one decimal (or two), rounded half away from zero, in integer arithmetic: 28,400 of 56,000 is "50.7"; a loss is "-84.0"; 159.72 of 27,600 to two places is "0.58". */
export function percentOf(part: bigint, whole: bigint, places: 1 | 2 = 1): string {
  if (whole === 0n) return places === 1 ? '0.0' : '0.00';
  const absolute = (value: bigint) => (value < 0n ? -value : value);
  const scale = 10n ** BigInt(places);
  const units = (absolute(part) * 100n * scale + absolute(whole) / 2n) / absolute(whole);
  const negative = units > 0n && part < 0n !== whole < 0n;
  return `${negative ? '-' : ''}${units / scale}.${String(units % scale).padStart(places, '0')}`;
}

/** How much of a budget `spent` uses: any spend is without bound against a $0 cap. */
export function usedPercent(spent: NanoUsd, limit: NanoUsd): string {
  if (limit === 0n) return spent > 0n ? 'Infinity' : '0.0';
  return percentOf(spent, limit);
}

/** A budget's use for people: `88.5%`, or `over its $0 cap`. */
export function formatUsed(usedPercentText: string): string {
  return usedPercentText === 'Infinity' ? 'over its $0 cap' : `${usedPercentText}%`;
}

/**
 * Dollars for people, not for accounts, rounded half up: cents from $1, and
 * four decimals below, so small days do not read $0.00.
 */
export function formatCents(nano: NanoUsd): string {
  const sign = nano < 0n ? '-' : '';
  const magnitude = nano < 0n ? -nano : nano;
  const digits = magnitude < 1_000_000_000n ? 4 : 2;
  const unit = 10n ** BigInt(9 - digits);
  const scaled = (magnitude + unit / 2n) / unit;
  const divisor = 10n ** BigInt(digits);
  return `${sign}$${scaled / divisor}.${String(scaled % divisor).padStart(digits, '0')}`;
}

export function describeUsage(usage: DailyUsage, policy: Policy, scope: string, keyBudget?: KeyBudget, feedback: readonly FeedbackLine[] = []): UsageReport {
  const totalCost = usage.total.costNanoUsd;
  const line = (key: string, counters: UsageCounters): UsageLine => ({
    key,
    requests: counters.requests.toString(),
    attempts: counters.attempts.toString(),
    cost_usd: formatUsd(counters.costNanoUsd),
    share_percent: percentOf(counters.costNanoUsd, totalCost),
  });
  const lines = (map: ReadonlyMap<string, UsageCounters>) =>
    [...map].sort(([, a], [, b]) => (b.costNanoUsd > a.costNanoUsd ? 1 : b.costNanoUsd < a.costNanoUsd ? -1 : 0)).map(([key, counters]) => line(key, counters));
  const saved = usage.total.flagshipCostNanoUsd - totalCost;
  // A caller sees its own budget only: the global budget's spend is everyone's.
  const budgets =
    scope === 'all'
      ? [policy.budgets.global, ...policy.budgets.callers.values()].filter((budget) => budget !== undefined)
      : budgetsOf(policy, scope, keyBudget).filter((budget) => budget.callerId === scope);
  return {
    object: 'switchyard.usage',
    day: usage.day,
    scope,
    total: {
      ...line('total', usage.total),
      input_tokens: usage.total.inputTokens.toString(),
      output_tokens: usage.total.outputTokens.toString(),
      cache_read_tokens: usage.total.cacheReadTokens.toString(),
      cache_write_tokens: usage.total.cacheWriteTokens.toString(),
      flagship_cost_usd: formatUsd(usage.total.flagshipCostNanoUsd),
      saved_usd: formatUsd(saved),
      saved_percent: percentOf(saved, usage.total.flagshipCostNanoUsd),
    },
    by_tier: lines(usage.byTier),
    by_model: lines(usage.byModel),
    by_route: lines(usage.byRoute),
    by_caller: lines(usage.byCaller),
    by_purpose: lines(usage.byPurpose),
    feedback,
    budgets: budgets.map((budget) => {
      const spent = budget.callerId === undefined ? totalCost : (usage.byCaller.get(budget.callerId)?.costNanoUsd ?? 0n);
      return {
        id: budget.id,
        mode: budget.mode,
        limit_usd: formatUsd(budget.limitNanoUsd),
        spent_usd: formatUsd(spent),
        used_percent: usedPercent(spent, budget.limitNanoUsd),
      };
    }),
  };
}

const money = (usd: string) => formatCents(BigInt(usd.replace('.', '')));
const count = (amount: string, noun: string) => `${amount} ${noun}${amount === '1' ? '' : 's'}`;

/** The report as a plain-text table, readable in a terminal and in an e-mail client. */
export function renderUsage(report: UsageReport, topCallers = 10): string {
  const section = (title: string, rows: readonly UsageLine[]) =>
    rows.length === 0
      ? []
      : [
          `${title}:`,
          ...rows.map((row) => `  ${row.key.padEnd(58)} ${money(row.cost_usd).padStart(12)} ${`${row.share_percent}%`.padStart(7)}   ${count(row.requests, 'request')}`),
          '',
        ];
  const { total } = report;
  return [
    `Switchyard usage for ${report.day} (UTC)${report.scope === 'all' ? '' : `, caller ${report.scope}`}`,
    '',
    `Spend: ${money(total.cost_usd)} over ${count(total.requests, 'request')} and ${count(total.attempts, 'attempt')} (exact: $${total.cost_usd})`,
    `Always-flagship would have cost ${money(total.flagship_cost_usd)}: saved ${money(total.saved_usd)} (${total.saved_percent}%)`,
    `Tokens: ${total.input_tokens} in, ${total.output_tokens} out, ${total.cache_read_tokens} cache read, ${total.cache_write_tokens} cache write`,
    '',
    ...(report.budgets.length > 0
      ? [
          'Budgets:',
          ...report.budgets.map(
            (budget) => `  ${budget.id.padEnd(40)} ${money(budget.spent_usd).padStart(12)} of ${money(budget.limit_usd).padStart(10)}  ${formatUsed(budget.used_percent).padStart(7)}  (${budget.mode})`,
          ),
          '',
        ]
      : []),
    ...section('By tier', report.by_tier),
    ...section('By model', report.by_model),
    ...section('By route', report.by_route),
    ...section(`Top callers`, report.by_caller.slice(0, topCallers)),
    ...section('Beyond the answers', report.by_purpose),
    ...(report.feedback.length === 0
      ? []
      : [
          'Feedback (route, model: ratings, mean score, cost per well-rated answer):',
          ...report.feedback.map(
            (line) =>
              `  ${`${line.route}, ${line.model}`.padEnd(58)} ${String(line.count).padStart(6)}  ${line.mean_score}  ${line.cost_per_well_rated_usd === null ? 'none well rated' : money(line.cost_per_well_rated_usd)}`,
          ),
          '',
        ]),
  ]
    .join('\n')
    .trimEnd();
}
