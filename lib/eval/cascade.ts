/**
 * The cascade (`verification.<tier>.onFail: "escalate"`), measured offline:
 * the weak model answers every prompt, a grader scores the answer, and the
 * lowest-graded answers go to the strong model. The sets hold each answer's
 * recorded grade (the exams' correctness, the open-ended sets' judge score),
 * so the grader here is as good as that judge: an upper bound. A real,
 * cheaper grader agrees with it less; `agreement` models that as the
 * correlation between the two, by mixing seeded Gaussian noise into the
 * standardised grades.
 */
import type { ScoredOutcome } from './routing-metrics';
import { seeded } from './training-math';

/** Box-Muller over a seeded generator: the same noise on every run. */
function gaussian(seed: number): () => number {
  const uniform = seeded(seed);
  // 1 - u is in (0, 1], so its logarithm is finite.
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Each prompt scored as the cascade routes it: higher for a worse-graded
 * weak answer. `agreement` is the grader's correlation with the recorded
 * grade (1: the recorded grade itself).
 */
export function cascadeScores(items: readonly Omit<ScoredOutcome, 'score'>[], agreement: number, seed = 20261205): ScoredOutcome[] {
  const grades = items.map((item) => item.weak);
  const mean = grades.reduce((sum, grade) => sum + grade, 0) / grades.length;
  const spread = Math.sqrt(grades.reduce((sum, grade) => sum + (grade - mean) ** 2, 0) / grades.length) || 1;
  const noise = gaussian(seed);
  return items.map((item) => {
    const graded = agreement * ((item.weak - mean) / spread) + Math.sqrt(1 - agreement * agreement) * noise();
    return { score: -graded, strong: item.strong, weak: item.weak };
  });
}
