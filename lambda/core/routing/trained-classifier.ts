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
import { requestText } from './agent-turn';
import { ruleFindings, type PromptView, type RuleFinding, type TierVerdict } from './classifier';
import weightsJson from './classifier-weights.json';
import type { ClassifierThresholds } from '../../policy/policy';
import type { Tier } from '../../policy/schema';
import { FEATURE_BUCKETS, featureLabel, promptFeatures, type PromptFeatures } from './prompt-features';

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
}

/**
 * The weights file: one head per tier boundary, named as `POST /v1/route`
 * names the scores. How each was trained is written beside it, in
 * `classifier-training.json`, which the router does not read (so the notes
 * stay out of the Lambda bundle).
 */
export interface ClassifierWeightsFile {
  readonly version: 3;
  readonly featureBits: number;
  /** The default threshold of each score, chosen on the validation split; a policy may move them. */
  readonly thresholds: TierThresholds;
  readonly heads: { readonly tier_1_or_more: HeadWeights; readonly tier_2_or_more: HeadWeights; readonly tier_3: HeadWeights };
}

/** A score at or above its threshold sends the request past that tier boundary: the policy's thresholds, each one set. */
export type TierThresholds = { readonly [K in keyof ClassifierThresholds]-?: number };

export interface LinearModel {
  readonly bias: number;
  readonly weights: Float32Array;
  readonly signals: ReadonlyMap<string, number>;
  readonly calibration: { readonly a: number; readonly b: number };
}

/** What a head reads of a prompt. */
export interface ClassifierInput {
  /** The text the words come from: system prompts and the last user turn. */
  readonly text: string;
  readonly features: PromptFeatures;
  readonly signals: readonly string[];
  /** v0's rules that fired, strongest first: the signals' source, and the floors. */
  readonly findings: readonly RuleFinding[];
}

/** v0's verdict as signals: its tier, and each rule that fired (`high-stakes: medical`, `trivial task`, ...). */
export function ruleSignals(findings: readonly RuleFinding[]): string[] {
  if (findings.length === 0) return ['v0 tier 1', 'standard request: no complexity or high-stakes signal'];
  return [`v0 tier ${findings[0]!.tier}`, ...findings.map((finding) => finding.label)];
}

/**
 * How long the read text is, in distinct words and word pairs: on the
 * open-ended sets, how much a strong model adds grows with the request's
 * length (a one-line question rarely needs it; a pasted page with a task often does).
 */
export function sizeSignal(features: PromptFeatures): string {
  const distinct = features.buckets.length;
  return distinct < 16 ? 'size: tiny' : distinct < 64 ? 'size: short' : distinct < 256 ? 'size: medium' : distinct < 1024 ? 'size: long' : 'size: very long';
}

/** The heads' input for a prompt's text: its words, and v0's rules run over it. */
export function classifierInput(text: string): ClassifierInput {
  return conversationInput({ messages: [{ role: 'user', content: text }], maxTokens: undefined });
}

/**
 * The heads' input for a conversation: the words of its system prompts and
 * its last user turn (older turns are context, as v0 reads them; see
 * {@link classifierText}), and v0's rules over the same text and the whole
 * request (tools, output budget, long context). A conversation that turns
 * high-stakes in its last turn is read as that turn.
 */
export function conversationInput(view: PromptView): ClassifierInput {
  const text = classifierText(view);
  const findings = ruleFindings(view, text);
  const words = promptFeatures(text);
  const features = MULTIPLE_CHOICE.test(text) ? withExamCopies(words) : words;
  return { text, features, signals: [...ruleSignals(findings), sizeSignal(words)], findings };
}

/** A question followed by lettered options, the exam sets' shape ("...\nA. ...\nB. ..."). */
const MULTIPLE_CHOICE = /\n\(?A[.)] [^\n]*\n\(?B[.)] /;
/** Where an exam-style prompt's second copy of each bucket lands: the same table, another place. */
const EXAM_COPY = 0x2a5b;

/**
 * An exam-style prompt's words count twice: once as anyone's and once as an
 * exam's (domain adaptation by feature copies). The heads learn from
 * thousands of exam questions; the copies let what is peculiar to exams stay
 * with exams, so it does not bend the weights that chat requests are scored by.
 */
function withExamCopies(features: PromptFeatures): PromptFeatures {
  return {
    buckets: [...features.buckets, ...features.buckets.map((bucket) => bucket ^ EXAM_COPY)],
    starts: [...features.starts, ...features.starts],
    ends: [...features.ends, ...features.ends],
  };
}

/** How much of a long prompt v1 reads: its start (instructions, the document's kind) and its end (usually the question). */
export const READ_WINDOW = { headCharacters: 5000, tailCharacters: 3000 } as const;

/**
 * The text v1's words and rules come from: the system prompts and the last
 * user turn, or of a longer one its first 5,000 and last 3,000 characters
 * (about 2,000 tokens), so a 100k-token prompt costs no more than a 2k one.
 * Structural rules (context length, tools, output budget) still see it all.
 */
export function classifierText(view: PromptView): string {
  const text = requestText(view.messages);
  const { headCharacters, tailCharacters } = READ_WINDOW;
  return text.length <= headCharacters + tailCharacters ? text : `${text.slice(0, headCharacters)}\n${text.slice(-tailCharacters)}`;
}

export function decodeModel(file: HeadWeights): LinearModel {
  const bytes = Buffer.from(file.weights, 'base64');
  if (bytes.length !== FEATURE_BUCKETS) throw new Error(`classifier weights have ${bytes.length} buckets, not ${FEATURE_BUCKETS}`);
  // A signed view of the bytes, not Buffer.readInt8 per bucket: that call's checks were most of the router's cold-start decode.
  const quantized = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const weights = new Float32Array(FEATURE_BUCKETS);
  for (let index = 0; index < quantized.length; index += 1) weights[index] = quantized[index]! * file.scale;
  return { bias: file.bias, weights, signals: new Map(Object.entries(file.signals)), calibration: file.calibration };
}

export type Heads = Readonly<Record<keyof TierThresholds, LinearModel>>;

/** All three heads, decoded. */
export function decodeClassifier(file: ClassifierWeightsFile): Heads {
  return { tier_1_or_more: decodeModel(file.heads.tier_1_or_more), tier_2_or_more: decodeModel(file.heads.tier_2_or_more), tier_3: decodeModel(file.heads.tier_3) };
}

const SHIPPED = weightsJson as ClassifierWeightsFile;
/** The shipped heads, decoded once per process; read-only after that. */
const SHIPPED_HEADS = decodeClassifier(SHIPPED);
/** The thresholds `npm run train:classifier` chose on the validation split. */
export const DEFAULT_THRESHOLDS: TierThresholds = SHIPPED.thresholds;

/** The raw score: bias, the mean-normalised sum of the buckets' weights, and the signals' weights. */
export function rawScore(model: Pick<LinearModel, 'bias' | 'weights' | 'signals'>, input: Pick<ClassifierInput, 'features' | 'signals'>): number {
  const { buckets } = input.features;
  const norm = 1 / Math.sqrt(buckets.length + 1);
  let z = model.bias;
  for (const bucket of buckets) z += model.weights[bucket]! * norm;
  for (const signal of input.signals) z += model.signals.get(signal) ?? 0;
  return z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export type TierScores = Readonly<Record<keyof TierThresholds, number>>;

/**
 * The three calibrated probabilities, from one pass over the prompt's
 * buckets, made to nest as the events they name do: a tier-3 request is of
 * tier 2 or more, which is of tier 1 or more, so tier_3 <= tier_2_or_more <=
 * tier_1_or_more. The strong-model head was trained on requests that are not
 * trivial, so it is the chance the strong model is needed given tier 1 or
 * more: P(tier 2+) = P(tier 1+) x that, and at least P(tier 3); P(tier 1+)
 * is at least P(tier 2+).
 */
export function tierScores(input: ClassifierInput, heads: Heads = SHIPPED_HEADS): TierScores {
  const { tier_1_or_more: one, tier_2_or_more: two, tier_3: three } = heads;
  let sumOne = 0;
  let sumTwo = 0;
  let sumThree = 0;
  for (const bucket of input.features.buckets) {
    sumOne += one.weights[bucket]!;
    sumTwo += two.weights[bucket]!;
    sumThree += three.weights[bucket]!;
  }
  const norm = 1 / Math.sqrt(input.features.buckets.length + 1);
  const probability = (model: LinearModel, sum: number) => {
    let z = model.bias + sum * norm;
    for (const signal of input.signals) z += model.signals.get(signal) ?? 0;
    return sigmoid(model.calibration.a * z + model.calibration.b);
  };
  const tier3 = probability(three, sumThree);
  const tierOne = probability(one, sumOne);
  const tier2 = Math.max(tierOne * probability(two, sumTwo), tier3);
  return { tier_1_or_more: Math.max(tierOne, tier2), tier_2_or_more: tier2, tier_3: tier3 };
}

/**
 * The words (or word pairs) of the prompt that pushed `model` hardest one
 * way: up (`direction` 1) or down (-1), strongest first. One pass over the
 * buckets; the words are sliced from where the scan saw them.
 */
export function topWords(model: LinearModel, input: Pick<ClassifierInput, 'text' | 'features'>, direction: 1 | -1, count: number): string[] {
  const { buckets } = input.features;
  // A few spare candidates, since function words ("the", "with") are left out of explanations.
  const keep = count + SPARE_CANDIDATES;
  const best: number[] = [];
  const pull = (index: number) => model.weights[buckets[index]!]! * direction;
  for (let index = 0; index < buckets.length; index += 1) {
    if (pull(index) <= 0 || (best.length === keep && pull(index) <= pull(best[keep - 1]!))) continue;
    let at = Math.min(best.length, keep - 1);
    best[at] = index;
    while (at > 0 && pull(best[at - 1]!) < pull(index)) {
      best[at] = best[at - 1]!;
      best[at - 1] = index;
      at -= 1;
    }
  }
  return best
    .map((index) => featureLabel(input.text, input.features, index))
    .filter((label) => !FUNCTION_WORDS.has(label))
    .slice(0, count);
}

const SPARE_CANDIDATES = 8;
/** Words too common to explain anything; they still count in the scores. */
const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be but by can do does for from had has have how i if in is it its me my of on or our so that the their them then there these they this to was we what when which who why will with you your'.split(' '),
);

/**
 * v0's rules that set a floor under v1's tier, by label. The structural
 * rules stand for what no training prompt shows (tools, long context, a long
 * answer asked for); the code rules add tier-2 recall on the code sets,
 * which have no per-prompt outcomes to train the strong-model head on.
 * The high-stakes rules are a floor at tier 2, not 3: a short question with
 * a medical, legal, financial or security word ("What dosage of aspirin is
 * safe?") reaches the strong model even when the heads are unsure, but
 * tier 3's verification pass waits for a sure P(tier 3).
 */
export const FLOOR_RULES: ReadonlySet<string> = new Set(['tools offered', 'agent editing code', 'long context', 'long output requested', 'code', 'code task']);

export interface ScoredVerdict extends TierVerdict {
  readonly scores: TierScores;
}

const BOUNDARY_NAMES = { tier_1_or_more: 'P(tier 1+)', tier_2_or_more: 'P(tier 2+)', tier_3: 'P(tier 3)' } as const;
const EXPLAINED_WORDS = 3;

/**
 * Classifier v1: the highest tier boundary whose score reaches its
 * threshold, raised to any floor rule that fired. The first reason names the
 * deciding score and the words behind it; v0's findings follow.
 */
export function classifyTrained(
  view: PromptView,
  thresholds: ClassifierThresholds = {},
  { heads = SHIPPED_HEADS, floors = FLOOR_RULES }: { heads?: Heads; floors?: ReadonlySet<string> } = {},
): ScoredVerdict {
  const limits = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const input = conversationInput(view);
  const scores = tierScores(input, heads);
  const scored = scoredTier(scores, limits);
  // The boundary that decided: tier 3's or tier 2's when passed, tier 1's when missed, tier 2's when missed after tier 1's was passed.
  const decisive: keyof TierThresholds = scored === 3 ? 'tier_3' : scored === 0 ? 'tier_1_or_more' : 'tier_2_or_more';
  const up = scored >= 2;
  const words = topWords(heads[decisive], input, up ? 1 : -1, EXPLAINED_WORDS);
  const comparison = `${BOUNDARY_NAMES[decisive]} ${scores[decisive].toFixed(2)} ${up ? '>=' : '<'} ${limits[decisive].toFixed(2)}`;
  const { tier, raised, noted } = withFloors(scored, input.findings, floors);
  return { tier, reasons: [...raised, `classifier: ${comparison}${words.length > 0 ? ` (${words.map((word) => `"${asciiWord(word)}"`).join(', ')})` : ''}`, ...noted], scores };
}

/** The tier the scores give at these thresholds: high stakes first; then trivial or not; the strong-model head only judges requests that are not trivial. */
export function scoredTier(scores: TierScores, limits: TierThresholds): Tier {
  const passed = (name: keyof TierThresholds) => scores[name] >= limits[name];
  return passed('tier_3') ? 3 : !passed('tier_1_or_more') ? 0 : passed('tier_2_or_more') ? 2 : 1;
}

/** v0's findings over the scored tier: the floors that raised it (the last raise first) and the other findings, as reasons. */
export function withFloors(scored: Tier, findings: readonly RuleFinding[], floors: ReadonlySet<string> = FLOOR_RULES): { tier: Tier; raised: string[]; noted: string[] } {
  let tier = scored;
  const [raised, noted]: string[][] = [[], []];
  // A request in which v0's rules see maths, code, reasoning or stakes is never trivial, however short ("Prove that sqrt(2) is irrational.").
  const complex = scored === 0 ? findings.find((finding) => finding.tier >= 2) : undefined;
  if (complex) {
    tier = 1;
    raised.unshift(`floor: not trivial: ${complex.reason}`);
  }
  for (const finding of findings) {
    // A high-stakes word is a floor at the strong model (tier 2); tier 3's verification pass waits for a sure score.
    const floor: Tier | undefined = floors.has(finding.label) ? finding.tier : finding.label.startsWith('high-stakes') ? 2 : undefined;
    if (floor !== undefined && floor > tier) {
      tier = floor;
      raised.unshift(`floor: ${finding.reason}`);
    } else {
      noted.push(`rule: ${finding.reason}`);
    }
  }
  return { tier, raised, noted };
}

/** Reasons travel in an HTTP header: printable ASCII only. */
const asciiWord = (word: string) => word.replace(/[^\x20-\x7e]+/g, '?');
