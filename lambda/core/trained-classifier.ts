/**
 * Classifier v1, the trained part: a logistic regression over
 * {@link promptFeatures} that estimates the probability that a prompt needs
 * the strong model (the weak one gets it wrong where the strong one gets it
 * right), calibrated by Platt scaling on a validation split. Trained by
 * `npm run train:classifier`; its weights ship as int8 in
 * `classifier-weights.json`.
 */
import { FEATURE_BUCKETS, featureLabels, promptFeatures } from './prompt-features';

/** The weights file as `npm run train:classifier` writes it. */
export interface ClassifierWeightsFile {
  readonly version: 1;
  readonly featureBits: number;
  readonly bias: number;
  /** Each weight is `scale` times a signed byte of this base64 string. */
  readonly scale: number;
  readonly weights: string;
  /** Platt scaling: probability = sigmoid(a * z + b) for the raw score z. */
  readonly calibration: { readonly a: number; readonly b: number };
  readonly training: Readonly<Record<string, unknown>>;
}

export interface LinearModel {
  readonly bias: number;
  readonly weights: Float32Array;
  readonly calibration: { readonly a: number; readonly b: number };
}

export function decodeModel(file: ClassifierWeightsFile): LinearModel {
  const bytes = Buffer.from(file.weights, 'base64');
  if (bytes.length !== FEATURE_BUCKETS) throw new Error(`classifier weights have ${bytes.length} buckets, not ${FEATURE_BUCKETS}`);
  const weights = new Float32Array(FEATURE_BUCKETS);
  for (let index = 0; index < bytes.length; index += 1) weights[index] = bytes.readInt8(index) * file.scale;
  return { bias: file.bias, weights, calibration: file.calibration };
}

export interface StrongScore {
  readonly probability: number;
  /** The words that pushed hardest towards the strong model, strongest first. */
  readonly topWords: readonly string[];
}

/** The raw score: bias plus the mean-normalised sum of the buckets' weights. */
export function rawScore(model: Pick<LinearModel, 'bias' | 'weights'>, buckets: readonly number[]): number {
  const norm = 1 / Math.sqrt(buckets.length + 1);
  let z = model.bias;
  for (const bucket of buckets) z += model.weights[bucket]! * norm;
  return z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The calibrated probability; with `explain` above 0, that many words behind it (a second, slower pass). */
export function strongScore(model: LinearModel, text: string, explain = 0): StrongScore {
  const buckets = promptFeatures(text);
  const probability = sigmoid(model.calibration.a * rawScore(model, buckets) + model.calibration.b);
  if (explain === 0) return { probability, topWords: [] };
  const labels = featureLabels(text);
  const top = buckets
    .filter((bucket) => model.weights[bucket]! > 0)
    .sort((a, b) => model.weights[b]! - model.weights[a]!)
    .slice(0, explain);
  return { probability, topWords: top.map((bucket) => labels.get(bucket)!) };
}
