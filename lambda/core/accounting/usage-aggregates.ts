/**
 * Daily usage aggregates: what each attempt adds to the day's counters, per
 * dimension (the total, each tier, model, route and caller), and how counters
 * read back add up to a day's usage. All counts and money are exact integers.
 */
import { purposeOf, type AttemptRecord } from './ledger';

export const USAGE_METRICS = [
  'requests',
  'attempts',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'costNanoUsd',
  'flagshipCostNanoUsd',
] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];
export type UsageCounters = Readonly<Record<UsageMetric, bigint>>;

export type UsageDimension = 'total' | 'tier' | 'model' | 'route' | 'caller' | 'purpose';

export interface DimensionValue {
  readonly dimension: UsageDimension;
  readonly value: string;
}

export const ZERO_COUNTERS: UsageCounters = Object.freeze(
  Object.fromEntries(USAGE_METRICS.map((metric) => [metric, 0n])) as Record<UsageMetric, bigint>,
);

/** The UTC day an attempt counts towards: its start, as YYYY-MM-DD. */
export function dayOf(record: Pick<AttemptRecord, 'startedAt'>): string {
  return record.startedAt.slice(0, 10);
}

/** What one attempt adds. A request is counted once, by its first attempt. */
export function countersOf(record: AttemptRecord): UsageCounters {
  return {
    requests: record.attempt === 1 ? 1n : 0n,
    attempts: 1n,
    inputTokens: BigInt(record.usage.input),
    outputTokens: BigInt(record.usage.output),
    cacheReadTokens: BigInt(record.usage.cacheRead),
    cacheWriteTokens: BigInt(record.usage.cacheWrite),
    costNanoUsd: record.costNanoUsd,
    flagshipCostNanoUsd: record.flagshipCostNanoUsd,
  };
}

/** The counters an attempt updates: the total and its tier, model, route (if any) and caller; and its purpose when that is not the answer. */
export function dimensionsOf(record: AttemptRecord): DimensionValue[] {
  const dimensions: DimensionValue[] = [
    { dimension: 'total', value: 'all' },
    { dimension: 'tier', value: record.tier === null ? 'passthrough' : String(record.tier) },
    { dimension: 'model', value: record.model },
    { dimension: 'caller', value: record.callerId },
  ];
  if (record.route !== null) dimensions.push({ dimension: 'route', value: record.route });
  if (purposeOf(record) !== 'answer') dimensions.push({ dimension: 'purpose', value: purposeOf(record) });
  return dimensions;
}

export function addCounters(a: UsageCounters, b: UsageCounters): UsageCounters {
  return Object.fromEntries(USAGE_METRICS.map((metric) => [metric, a[metric] + b[metric]])) as Record<UsageMetric, bigint>;
}

/** A day's usage, summed over every shard of every counter. */
export interface DailyUsage {
  readonly day: string;
  readonly total: UsageCounters;
  readonly byTier: ReadonlyMap<string, UsageCounters>;
  readonly byModel: ReadonlyMap<string, UsageCounters>;
  readonly byRoute: ReadonlyMap<string, UsageCounters>;
  readonly byCaller: ReadonlyMap<string, UsageCounters>;
  /** Work beyond the answers (verification), by purpose; the answers are the rest of the total. */
  readonly byPurpose: ReadonlyMap<string, UsageCounters>;
}

export interface CounterRow extends DimensionValue {
  readonly counters: UsageCounters;
}

export function sumUsage(day: string, rows: Iterable<CounterRow>): DailyUsage {
  const maps: Record<Exclude<UsageDimension, 'total'>, Map<string, UsageCounters>> = {
    tier: new Map(),
    model: new Map(),
    route: new Map(),
    caller: new Map(),
    purpose: new Map(),
  };
  let total = ZERO_COUNTERS;
  for (const row of rows) {
    if (row.dimension === 'total') {
      total = addCounters(total, row.counters);
    } else {
      const map = maps[row.dimension];
      map.set(row.value, addCounters(map.get(row.value) ?? ZERO_COUNTERS, row.counters));
    }
  }
  return { day, total, byTier: maps.tier, byModel: maps.model, byRoute: maps.route, byCaller: maps.caller, byPurpose: maps.purpose };
}

/** Only the caller's own share of a day: what a non-admin may see. */
export function usageOfCaller(usage: DailyUsage, callerId: string): DailyUsage {
  const own = usage.byCaller.get(callerId) ?? ZERO_COUNTERS;
  return { day: usage.day, total: own, byTier: new Map(), byModel: new Map(), byRoute: new Map(), byCaller: new Map([[callerId, own]]), byPurpose: new Map() };
}

/** Reads a day's aggregates; its cost depends on the number of counters, never on requests. */
export interface UsageReader {
  readDay(day: string): Promise<DailyUsage>;
}

/** A day's usage computed straight from attempt records: for tests and the in-memory ledger. */
export function usageFromRecords(day: string, records: readonly AttemptRecord[]): DailyUsage {
  return sumUsage(
    day,
    records
      .filter((record) => dayOf(record) === day)
      .flatMap((record) => dimensionsOf(record).map((entry) => ({ ...entry, counters: countersOf(record) }))),
  );
}
