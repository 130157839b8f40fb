/**
 * Classifier v1, the trained part: three logistic regressions, each
 * calibrated by Platt scaling on a validation split, for the probabilities
 * that a prompt needs tier 1 or more, the strong model (tier 2 or more: the
 * weak model gets it wrong where the strong one gets it right), and tier 3.
 * Trained by `npm run train:classifier`; the weights ship in
 * `classifier-weights.json` (the words' as int8).
 *
 * Their inputs are the prompt's hashed words and word pairs
 * ({@link promptFeatures}) and v0's rules as signals (which rules fired, and
 * v0's tier): measured, the rules lift the heads' recall on conversational
 * tier-0 and tier-3 requests that the public data lacks.
 */
import { classifyPrompt, scannedText, type PromptView, type TierVerdict } from './classifier';
import { FEATURE_BUCKETS, featureLabels, promptFeatures } from './prompt-features';

/** One head's weights as `npm run train:classifier` writes them. */
export interface HeadWeights {
  readonly bias: number;
  /** Each weight is `scale` times a signed byte of this base64 string. */
  readonly scale: number;
  readonly weights: string;
  /** Weight of each of v0's signals ({@link ruleSignals}) when present. */
  readonly signals: Readonly<Record<string, number>>;
  /** Platt scaling: probability = sigmoid(a * z + b) for the raw score z. */
  readonly calibration: { readonly a: number; readonly b: number };
  readonly training: Readonly<Record<string, unknown>>;
}

/** The weights file: one head per tier boundary, named as `POST /v1/route` names the scores. */
export interface ClassifierWeightsFile {
  readonly version: 3;
  readonly featureBits: number;
  readonly training: Readonly<Record<string, unknown>>;
  readonly heads: { readonly tier_1_or_more: HeadWeights; readonly tier_2_or_more: HeadWeights; readonly tier_3: HeadWeights };
}

export interface LinearModel {
  readonly bias: number;
  readonly weights: Float32Array;
  readonly signals: ReadonlyMap<string, number>;
  readonly calibration: { readonly a: number; readonly b: number };
}

/** What a head reads of a prompt. */
export interface ClassifierInput {
  readonly buckets: readonly number[];
  readonly signals: readonly string[];
}

/** v0's verdict as signals: its tier, and each rule that fired (`high-stakes: medical`, `trivial task`, ...). */
export function ruleSignals(verdict: TierVerdict): string[] {
  return [`v0 tier ${verdict.tier}`, ...verdict.reasons.map((reason) => reason.replace(/ \(.*$/, ''))];
}

/** The heads' input for a prompt's text: its words, and v0's rules run over it. */
export function classifierInput(text: string): ClassifierInput {
  return conversationInput({ messages: [{ role: 'user', content: text }], maxTokens: undefined });
}

/**
 * The heads' input for a conversation: the words of its system prompts and
 * its last user turn (older turns are context, as v0 reads them), and v0's
 * rules over the whole request (tools, output budget, long context). A
 * conversation that turns high-stakes in its last turn is read as that turn.
 */
export function conversationInput(view: PromptView): ClassifierInput {
  return { buckets: promptFeatures(scannedText(view.messages)), signals: ruleSignals(classifyPrompt(view)) };
}

export function decodeModel(file: HeadWeights): LinearModel {
  const bytes = Buffer.from(file.weights, 'base64');
  if (bytes.length !== FEATURE_BUCKETS) throw new Error(`classifier weights have ${bytes.length} buckets, not ${FEATURE_BUCKETS}`);
  const weights = new Float32Array(FEATURE_BUCKETS);
  for (let index = 0; index < bytes.length; index += 1) weights[index] = bytes.readInt8(index) * file.scale;
  return { bias: file.bias, weights, signals: new Map(Object.entries(file.signals)), calibration: file.calibration };
}

/** All three heads, decoded. */
export function decodeClassifier(file: ClassifierWeightsFile): Readonly<Record<keyof ClassifierWeightsFile['heads'], LinearModel>> {
  return { tier_1_or_more: decodeModel(file.heads.tier_1_or_more), tier_2_or_more: decodeModel(file.heads.tier_2_or_more), tier_3: decodeModel(file.heads.tier_3) };
}

export interface StrongScore {
  readonly probability: number;
  /** The words that pushed hardest towards the strong model, strongest first. */
  readonly topWords: readonly string[];
}

/** The raw score: bias, the mean-normalised sum of the buckets' weights, and the signals' weights. */
export function rawScore(model: Pick<LinearModel, 'bias' | 'weights' | 'signals'>, input: ClassifierInput): number {
  const norm = 1 / Math.sqrt(input.buckets.length + 1);
  let z = model.bias;
  for (const bucket of input.buckets) z += model.weights[bucket]! * norm;
  for (const signal of input.signals) z += model.signals.get(signal) ?? 0;
  return z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The calibrated probability; with `explain` above 0, that many words behind it (a second, slower pass). */
export function strongScore(model: LinearModel, text: string, explain = 0): StrongScore {
  const input = classifierInput(text);
  const probability = sigmoid(model.calibration.a * rawScore(model, input) + model.calibration.b);
  if (explain === 0) return { probability, topWords: [] };
  const labels = featureLabels(text);
  const top = [...input.buckets]
    .filter((bucket) => model.weights[bucket]! > 0)
    .sort((a, b) => model.weights[b]! - model.weights[a]!)
    .slice(0, explain);
  return { probability, topWords: top.map((bucket) => labels.get(bucket)!) };
}

export type TierScores = Readonly<Record<keyof ClassifierWeightsFile['heads'], number>>;

/** The three calibrated probabilities, from one pass over the prompt. */
export function tierScores(heads: ReturnType<typeof decodeClassifier>, text: string): TierScores {
  const input = classifierInput(text);
  const probability = (model: LinearModel) => sigmoid(model.calibration.a * rawScore(model, input) + model.calibration.b);
  return { tier_1_or_more: probability(heads.tier_1_or_more), tier_2_or_more: probability(heads.tier_2_or_more), tier_3: probability(heads.tier_3) };
}

