/**
 * A tier classifier against labelled tiers: the confusion matrix, each tier's
 * recall and precision, macro-F1, and how many tier-2/3 prompts went to tiers
 * 0-1 (under-routing, the costly mistake), rendered as the eval reports print it.
 */
import { TIERS, type Tier } from '../../lambda/policy/schema';

export interface TierConfusion {
  /** matrix[labelled][predicted] */
  readonly matrix: readonly (readonly number[])[];
  readonly recall: ReadonlyMap<Tier, number>;
  readonly precision: ReadonlyMap<Tier, number>;
  readonly macroF1: number;
  readonly underRouted: number;
  readonly hard: number;
}

export function tierConfusion(pairs: readonly { readonly labelled: Tier; readonly predicted: Tier }[]): TierConfusion {
  const matrix = TIERS.map(() => TIERS.map(() => 0));
  for (const { labelled, predicted } of pairs) matrix[labelled]![predicted]! += 1;
  const recall = new Map<Tier, number>();
  const precision = new Map<Tier, number>();
  const f1s: number[] = [];
  for (const tier of TIERS) {
    const total = matrix[tier]!.reduce((sum, count) => sum + count, 0);
    if (total === 0) continue;
    const predictedAs = matrix.reduce((sum, row) => sum + row[tier]!, 0);
    const tierRecall = matrix[tier]![tier]! / total;
    const tierPrecision = predictedAs === 0 ? 0 : matrix[tier]![tier]! / predictedAs;
    recall.set(tier, tierRecall);
    precision.set(tier, tierPrecision);
    f1s.push(tierPrecision + tierRecall === 0 ? 0 : (2 * tierPrecision * tierRecall) / (tierPrecision + tierRecall));
  }
  return {
    matrix,
    recall,
    precision,
    macroF1: f1s.reduce((sum, value) => sum + value, 0) / f1s.length,
    underRouted: pairs.filter((pair) => pair.labelled >= 2 && pair.predicted < 2).length,
    hard: pairs.filter((pair) => pair.labelled >= 2).length,
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export function renderConfusion(confusion: TierConfusion, labels: string): string {
  const lines = [`  rows are ${labels}, columns predicted tiers`, `            ${TIERS.map((tier) => `pred ${tier}`.padStart(8)).join('')}   recall  precision`];
  for (const tier of TIERS) {
    const row = confusion.matrix[tier]!;
    const total = row.reduce((sum, count) => sum + count, 0);
    if (total === 0) continue;
    lines.push(`  tier ${tier} (${String(total).padStart(5)})${row.map((count) => String(count).padStart(8)).join('')}   ${percent(confusion.recall.get(tier)!).padStart(6)}  ${percent(confusion.precision.get(tier)!).padStart(9)}`);
  }
  lines.push(`  macro-F1 over labelled tiers: ${confusion.macroF1.toFixed(3)}`);
  if (confusion.hard > 0) lines.push(`  under-routed (tier 2-3 predicted 0-1): ${confusion.underRouted} of ${confusion.hard} (${percent(confusion.underRouted / confusion.hard)})`);
  return lines.join('\n');
}
