/** Training arithmetic for `npm run train:classifier`: ROC AUC and Platt scaling. */
import { sigmoid } from '../../lambda/core/routing/trained-classifier';

/** Eight significant digits: what the weights and training files keep. */
export const round = (value: number) => Number(value.toPrecision(8));

/** ROC AUC of `scores` against 0/1 `labels`, ties counted half. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((score, index) => ({ score, label: labels[index]! })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.score === order[start]!.score) end += 1;
    const rank = (start + 1 + end) / 2;
    for (let index = start; index < end; index += 1) {
      if (order[index]!.label === 1) {
        positives += 1;
        rankSum += rank;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Platt scaling: a and b for sigmoid(a z + b), by gradient descent on the
 * log loss, each example counted by its training weight (so tier 0, which
 * the public sets lack, is calibrated as if it were as common as the rest).
 */
export function calibrate(scores: readonly number[], labels: readonly number[], weights: readonly number[]): { a: number; b: number } {
  let a = 1;
  let b = 0;
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  for (let step = 0; step < 500; step += 1) {
    let gradientA = 0;
    let gradientB = 0;
    scores.forEach((z, index) => {
      const error = weights[index]! * (sigmoid(a * z + b) - labels[index]!);
      gradientA += error * z;
      gradientB += error;
    });
    a -= (0.5 * gradientA) / total;
    b -= (0.5 * gradientB) / total;
  }
  return { a: round(a), b: round(b) };
}


/** mulberry32: a small seeded generator of numbers in [0, 1), so shuffles and noise are the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
