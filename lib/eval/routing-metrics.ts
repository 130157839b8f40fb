/**
 * How well a router trades quality for cost between a strong and a weak
 * model, measured as RouteLLM measures it (lm-sys/RouteLLM,
 * routellm/evals/evaluate.py and benchmarks.py):
 * - thresholds are the edges of ten equal-count bins of the router's scores;
 *   a prompt goes to the strong model when its score is at or above the
 *   threshold (above, for the last edge, so one point sends nothing);
 * - PGR (performance gap recovered) at a point is
 *   (quality - weak) / (strong - weak);
 * - APGR is the area under quality against the share of strong calls, less
 *   the weak model's area, over the strong model's less the weak model's;
 * - CPT(x%) is the share of strong calls at which quality first reaches the
 *   weak model's plus x% of the gap, interpolated linearly between points.
 * The random router's quality at share s is the expectation
 * weak + s * (strong - weak); the oracle sends the strong model only the
 * prompts that only it gets right.
 */
import { seeded } from './training-math';

/** One prompt: the router's score (higher wants the strong model) and each model's outcome (0..1). */
export interface ScoredOutcome {
  readonly score: number;
  readonly strong: number;
  readonly weak: number;
}

export interface CurvePoint {
  readonly threshold: number;
  /** Share of prompts sent to the strong model, 0..1. */
  readonly strongShare: number;
  /** Mean outcome of the routed answers. */
  readonly quality: number;
}

export interface RoutingSummary {
  readonly strongQuality: number;
  readonly weakQuality: number;
  readonly points: readonly CurvePoint[];
  readonly apgr: number;
  /** Share of strong calls for 50% and 80% of the gap; undefined when never reached. */
  readonly cpt50: number | undefined;
  readonly cpt80: number | undefined;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** The value at quantile `q` of sorted `values`, interpolated linearly (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** The router's curve at the edges of `bins` equal-count bins of its scores. */
export function routingCurve(items: readonly ScoredOutcome[], bins = 10): CurvePoint[] {
  const sorted = items.map((item) => item.score).sort((a, b) => a - b);
  const edges = Array.from({ length: bins + 1 }, (_, index) => quantile(sorted, index / bins));
  return edges.map((threshold, index) => {
    const last = index === edges.length - 1;
    let strongCalls = 0;
    let total = 0;
    for (const item of items) {
      const strong = last ? item.score > threshold : item.score >= threshold;
      if (strong) strongCalls += 1;
      total += strong ? item.strong : item.weak;
    }
    return { threshold, strongShare: strongCalls / items.length, quality: total / items.length };
  });
}

/** Trapezoid area under quality over strong share, points taken in order of share. */
function area(points: readonly CurvePoint[], quality: (point: CurvePoint) => number): number {
  const ordered = [...points].sort((a, b) => a.strongShare - b.strongShare);
  let sum = 0;
  for (let index = 1; index < ordered.length; index += 1) {
    const [left, right] = [ordered[index - 1]!, ordered[index]!];
    sum += ((quality(left) + quality(right)) / 2) * (right.strongShare - left.strongShare);
  }
  return sum;
}

export function pgr(quality: number, strongQuality: number, weakQuality: number): number {
  return (quality - weakQuality) / (strongQuality - weakQuality);
}

/** APGR of `points`: 0.5 for the random router, 1 for one that recovers the whole gap at once. */
export function apgr(points: readonly CurvePoint[], strongQuality: number, weakQuality: number): number {
  const weakArea = area(points, () => weakQuality);
  const strongArea = area(points, () => strongQuality);
  return (area(points, (point) => point.quality) - weakArea) / (strongArea - weakArea);
}

/** The share of strong calls at which quality first reaches `fraction` of the gap. */
export function callsForPerformance(points: readonly CurvePoint[], fraction: number, strongQuality: number, weakQuality: number): number | undefined {
  const target = weakQuality + fraction * (strongQuality - weakQuality);
  const ordered = [...points].sort((a, b) => a.strongShare - b.strongShare || a.quality - b.quality);
  if (ordered[0]!.quality >= target) return ordered[0]!.strongShare;
  for (let index = 1; index < ordered.length; index += 1) {
    const [left, right] = [ordered[index - 1]!, ordered[index]!];
    if (right.quality >= target) {
      if (right.quality === left.quality) return right.strongShare;
      return left.strongShare + ((target - left.quality) / (right.quality - left.quality)) * (right.strongShare - left.strongShare);
    }
  }
  return undefined;
}

export function randomQuality(strongShare: number, strongQuality: number, weakQuality: number): number {
  return weakQuality + strongShare * (strongQuality - weakQuality);
}

/** Best quality at this share of strong calls: only the prompts that only the strong model answers well go to it. */
export function oracleQuality(items: readonly ScoredOutcome[], strongShare: number): number {
  const gains = items.map((item) => item.strong - item.weak).filter((gain) => gain > 0).sort((a, b) => b - a);
  const calls = Math.floor(strongShare * items.length);
  const gained = gains.slice(0, calls).reduce((sum, gain) => sum + gain, 0);
  return (items.reduce((sum, item) => sum + item.weak, 0) + gained) / items.length;
}

export function summarise(items: readonly ScoredOutcome[], bins = 10): RoutingSummary {
  const strongQuality = mean(items.map((item) => item.strong));
  const weakQuality = mean(items.map((item) => item.weak));
  const points = routingCurve(items, bins);
  return {
    strongQuality,
    weakQuality,
    points,
    apgr: apgr(points, strongQuality, weakQuality),
    cpt50: callsForPerformance(points, 0.5, strongQuality, weakQuality),
    cpt80: callsForPerformance(points, 0.8, strongQuality, weakQuality),
  };
}

/** The spread of a set's APGR from sampling alone: the standard deviation over `rounds` bootstrap resamples of its prompts (seeded, so every run prints the same). */
export function apgrSpread(items: readonly ScoredOutcome[], rounds = 200, random = seeded(20261205)): number {
  const values = Array.from({ length: rounds }, () => summarise(items.map(() => items[Math.floor(random() * items.length)]!)).apgr);
  const average = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - average) ** 2)));
}
