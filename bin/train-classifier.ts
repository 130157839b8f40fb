/**
 * `npm run train:classifier`: trains classifier v1's three heads and writes
 * lambda/core/routing/classifier-weights.json, with how each head was trained in
 * classifier-training.json beside it. Reproducible: the split, the order and
 * the arithmetic are fixed, so two runs write the same bytes (`-- --check`
 * retrains and compares with the file instead).
 *
 * - tier_2_or_more, "the strong model is needed": GSM8K, MMLU and the
 *   open-ended sets (lib/eval/judged-data.ts says each label); chosen by APGR.
 * - tier_1_or_more: every labelled prompt (ours, the public sets' proxy
 *   tiers, AlpacaEval's with our tiers), tier 0 weighted up to a quarter of
 *   the rest; tier_3: only requests people send (ours and AlpacaEval's).
 *   Both chosen by ROC AUC; each set weighs as the square root of its size.
 * - Only prompts outside the held-out fifth are read. A validation fifth of
 *   those (by a second hash of each id) picks each head's hyperparameters and
 *   fits its Platt calibration.
 * - Model: logistic regression, AdaGrad, L2, over hashed words and word pairs
 *   and v0's rules as signals.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FEATURE_BITS, FEATURE_BUCKETS } from '../lambda/core/routing/prompt-features';
import { classifierInput, rawScore, sigmoid, type ClassifierInput, type ClassifierWeightsFile } from '../lambda/core/routing/trained-classifier';
import { loadJudged, type Judged } from '../lib/eval/judged-data';
import { EVAL_DATA, loadLabelled, loadOrdinary, ORDINARY_SOURCE, type Labelled } from '../lib/eval/routing-data';
import { summarise } from '../lib/eval/routing-metrics';
import { calibrate, rocAuc, round, seeded } from '../lib/eval/training-math';
import { answerHelp } from '../lib/cli/help';

const WEIGHTS_FILE = join(__dirname, '..', 'lambda', 'core', 'routing', 'classifier-weights.json');
/** How each head was trained, beside the weights: notes for people, which the router does not load. */
const TRAINING_FILE = join(__dirname, '..', 'lambda', 'core', 'routing', 'classifier-training.json');
const SEED = 20261127;
/** Tier-0 prompts are rare in the data (only ours); weighted up to this share of the rest's weight. */
const TIER_ZERO_SHARE = 0.25;
const LEARNING_RATE = 0.2;
const GRID = { epochs: [2, 4, 6], l2: [1e-5, 1e-4, 1e-3] } as const;

interface Example {
  readonly id: string;
  readonly source: string;
  readonly input: ClassifierInput;
  readonly label: number;
  /** How much the example counts in training: balances a rare class. */
  readonly weight: number;
  readonly strong: number;
  readonly weak: number;
  readonly openEnded: boolean;
}

type HeadName = keyof ClassifierWeightsFile['heads'];

const isValidation = (id: string) => createHash('sha256').update(id).digest()[1]! % 5 === 0;

interface TrainedHead {
  readonly bias: number;
  readonly weights: Float64Array;
  readonly signals: Map<string, number>;
}

/** A trained head as the runtime scores it. */
const asModel = (head: TrainedHead) => ({ bias: head.bias, weights: head.weights as unknown as Float32Array, signals: head.signals });

function train(examples: readonly Example[], epochs: number, l2: number): TrainedHead {
  const random = seeded(SEED);
  const weights = new Float64Array(FEATURE_BUCKETS);
  const squares = new Float64Array(FEATURE_BUCKETS).fill(1e-8);
  const signals = new Map<string, number>();
  const signalSquares = new Map<string, number>();
  let bias = 0;
  let biasSquares = 1e-8;
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    const order = examples.map((_, index) => index);
    for (let index = order.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    for (const index of order) {
      const example = examples[index]!;
      const norm = 1 / Math.sqrt(example.input.features.buckets.length + 1);
      const error = example.weight * (sigmoid(rawScore({ bias, weights: weights as unknown as Float32Array, signals }, example.input)) - example.label);
      for (const signal of example.input.signals) {
        const gradient = error + l2 * (signals.get(signal) ?? 0);
        signalSquares.set(signal, (signalSquares.get(signal) ?? 1e-8) + gradient * gradient);
        signals.set(signal, (signals.get(signal) ?? 0) - (LEARNING_RATE * gradient) / Math.sqrt(signalSquares.get(signal)!));
      }
      for (const bucket of example.input.features.buckets) {
        const gradient = error * norm + l2 * weights[bucket]!;
        squares[bucket] = squares[bucket]! + gradient * gradient;
        weights[bucket] = weights[bucket]! - (LEARNING_RATE * gradient) / Math.sqrt(squares[bucket]!);
      }
      biasSquares += error * error;
      bias -= (LEARNING_RATE * error) / Math.sqrt(biasSquares);
    }
  }
  return { bias, weights, signals };
}

/** Mean APGR over the sets, on `examples`, of a model's raw scores. */
function meanApgr(examples: readonly Example[], score: (example: Example) => number): number {
  const sources = [...new Set(examples.map((example) => example.source))].sort();
  const values = sources.map((source) => summarise(examples.filter((example) => example.source === source).map((example) => ({ score: score(example), strong: example.strong, weak: example.weak }))).apgr);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** A validation example and the calibrated probability its head gives it. */
interface Validated {
  readonly example: Example;
  readonly probability: number;
}

/** Thresholds are policy settings: two decimals, rounded towards sending more requests up. */
const floorToCents = (probability: number) => Math.floor(probability * 100) / 100;

/**
 * A decision the classifier is unsure of never lands on the dearest tier:
 * the default tier_3 threshold is at least an even chance.
 */
const SURE = 0.5;

/**
 * tier_3: the highest threshold with validation recall of 0.95, unless its
 * precision is under 0.7; then the lowest threshold whose precision is 0.7;
 * and never under {@link SURE}.
 */
function tierThreeThreshold(validated: readonly Validated[]): number {
  const positives = validated.filter((entry) => entry.example.label === 1).map((entry) => entry.probability).sort((a, b) => a - b);
  const precisionAt = (threshold: number) => {
    const chosen = validated.filter((entry) => entry.probability >= threshold);
    return chosen.filter((entry) => entry.example.label === 1).length / chosen.length;
  };
  const atRecall = floorToCents(positives[Math.floor(positives.length * 0.05)]!);
  let threshold = atRecall;
  while (threshold < 1 && precisionAt(threshold) < 0.7) threshold = Math.round((threshold + 0.01) * 100) / 100;
  return Math.max(SURE, threshold);
}

/** At most this share of open-ended (conversational) prompts is sent to the strong model by the default tier_2_or_more threshold. */
const CONVERSATIONAL_SHARE = 0.4;

const percent = (share: number) => `${Math.round(share * 100)}%`;

/**
 * tier_2_or_more: the highest threshold at which the validation exam prompts
 * keep 80% of the quality gap (PGR 0.8), raised until at most 40% of the
 * validation open-ended prompts pass it.
 */
function tierTwoThreshold(validated: readonly Validated[]): number {
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const exams = validated.filter((entry) => !entry.example.openEnded);
  const strong = mean(exams.map((entry) => entry.example.strong));
  const weak = mean(exams.map((entry) => entry.example.weak));
  let threshold = 0;
  for (let candidate = 0.99; candidate > 0; candidate = Math.round((candidate - 0.01) * 100) / 100) {
    const quality = mean(exams.map((entry) => (entry.probability >= candidate ? entry.example.strong : entry.example.weak)));
    if ((quality - weak) / (strong - weak) >= 0.8) {
      threshold = candidate;
      break;
    }
  }
  const conversational = validated.filter((entry) => entry.example.openEnded);
  const share = (limit: number) => conversational.filter((entry) => entry.probability >= limit).length / conversational.length;
  while (threshold < 1 && share(threshold) > CONVERSATIONAL_SHARE) threshold = Math.round((threshold + 0.01) * 100) / 100;
  return threshold;
}

/** Each set's weight in training: a set of n prompts weighs in proportion to the square root of n, so the 14,000 MMLU prompts do not drown the 300 arena-bench ones, nor count as few. */
function sourceWeights(items: readonly { source: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.source, (counts.get(item.source) ?? 0) + 1);
  const total = [...counts.values()].reduce((sum, count) => sum + Math.sqrt(count), 0);
  return new Map([...counts].map(([source, count]) => [source, items.length / (total * Math.sqrt(count))]));
}

/**
 * tier_1_or_more: the highest threshold that sends at most 5% of our own
 * validation prompts of tier 1 or more (conversational requests, where tier 0
 * and tier 1 meet; the exam sets are all far from tier 0) to tier 0.
 */
function tierOneThreshold(validated: readonly Validated[]): number {
  const positives = validated.filter((entry) => entry.example.label === 1 && entry.example.source === 'own').map((entry) => entry.probability).sort((a, b) => a - b);
  return floorToCents(positives[Math.floor(positives.length * 0.05)]!);
}

interface HeadPlan {
  readonly name: HeadName;
  readonly examples: readonly Example[];
  readonly data: string;
  /** Validation quality of raw scores: higher is better. */
  readonly quality: (validation: readonly Example[], score: (example: Example) => number) => number;
  readonly qualityName: string;
  /** The default threshold, chosen on the validation fifth. */
  readonly threshold: (validated: readonly Validated[]) => number;
  readonly thresholdRule: string;
}

/** Trains one head: the grid on the fit fifths, the best on validation, int8 weights, Platt calibration. */
function trainHead(plan: HeadPlan): { file: ClassifierWeightsFile['heads'][HeadName]; training: Record<string, unknown>; log: string[]; validation: Validated[] } {
  const fit = plan.examples.filter((example) => !isValidation(example.id));
  const validation = plan.examples.filter((example) => isValidation(example.id));
  const log = [`${plan.name}: training on ${fit.length} prompts, validating on ${validation.length}`];
  let best: { epochs: number; l2: number; quality: number } | undefined;
  for (const epochs of GRID.epochs) {
    for (const l2 of GRID.l2) {
      const model = train(fit, epochs, l2);
      const quality = plan.quality(validation, (example) => rawScore(asModel(model), example.input));
      log.push(`  epochs ${epochs}, l2 ${l2}: validation ${plan.qualityName} ${quality.toFixed(4)}`);
      if (best === undefined || quality > best.quality) best = { epochs, l2, quality };
    }
  }
  const chosen = best!;
  const model = train(fit, chosen.epochs, chosen.l2);
  const scale = Math.max(...model.weights.map(Math.abs)) / 127;
  const quantized = Buffer.alloc(FEATURE_BUCKETS);
  model.weights.forEach((weight, index) => quantized.writeInt8(Math.round(weight / scale), index));
  const signalWeights = Object.fromEntries([...model.signals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([signal, weight]) => [signal, round(weight)]));
  const dequantized = {
    bias: round(model.bias),
    weights: Float32Array.from(quantized, (_, index) => quantized.readInt8(index) * round(scale)),
    signals: new Map(Object.entries(signalWeights)),
  };
  log.push(`  chose epochs ${chosen.epochs}, l2 ${chosen.l2}`);
  const calibration = calibrate(
    validation.map((example) => rawScore(dequantized, example.input)),
    validation.map((example) => example.label),
    validation.map((example) => example.weight),
  );
  return {
    log,
    validation: validation.map((example) => ({ example, probability: sigmoid(calibration.a * rawScore(dequantized, example.input) + calibration.b) })),
    file: {
      bias: dequantized.bias,
      scale: round(scale),
      weights: quantized.toString('base64'),
      signals: signalWeights,
      calibration,
    },
    training: {
      data: plan.data,
      examples: fit.length,
      validationExamples: validation.length,
      epochs: chosen.epochs,
      l2: chosen.l2,
      [`validation${plan.qualityName}`]: round(chosen.quality),
    },
  };
}

function main(): void {
  answerHelp(__filename);
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } });
  if (!existsSync(EVAL_DATA)) {
    console.error(`No training data at ${EVAL_DATA}: set SWITCHYARD_EVAL_DATA to the routing-eval folder.`);
    process.exit(2);
  }
  const labelled = loadLabelled();
  // Our labelled prompts, the public sets' proxy tiers and AlpacaEval's ordinary requests with our tiers, outside the held-out fifth.
  const seen = [...labelled, ...loadOrdinary()].filter((item) => !item.heldOut);
  // Tier 3 is learnt from requests people send (ours and AlpacaEval's), not from exam subjects standing in for stakes.
  const requests = seen.filter((item) => item.source === 'own' || item.source === ORDINARY_SOURCE);
  const judged = loadJudged(labelled);
  const judgedSeen = judged.items.filter((item) => !item.heldOut);
  const example = (item: { id: string; source: string; prompt: string; outcome?: Judged['outcome']; openEnded?: boolean }, label: number, weight = 1): Example => ({
    id: item.id,
    source: item.source,
    input: classifierInput(item.prompt),
    label,
    weight,
    strong: item.outcome?.strong ?? 0,
    weak: item.outcome?.weak ?? 0,
    openEnded: item.openEnded ?? false,
  });
  /** Examples weighted per set (the square root rule), for a head whose label is `label`. */
  const weighted = <Item extends { source: string }>(items: readonly Item[], label: (item: Item) => number, build: (item: Item, label: number, weight: number) => Example) => {
    const weightOf = sourceWeights(items);
    return items.map((item) => build(item, label(item), weightOf.get(item.source)!));
  };
  const tierZero = seen.filter((item) => item.tier === 0);
  const tierZeroWeight = (TIER_ZERO_SHARE * (seen.length - tierZero.length)) / tierZero.length;
  const apgr = (validation: readonly Example[], score: (example: Example) => number) => meanApgr(validation, score);
  const auc = (validation: readonly Example[], score: (example: Example) => number) => rocAuc(validation.map(score), validation.map((entry) => entry.label));
  const plans: HeadPlan[] = [
    {
      name: 'tier_1_or_more',
      examples: weighted(seen, (item: Labelled) => (item.tier === 0 ? 0 : 1), (item, label, weight) => example(item, label, label === 0 ? tierZeroWeight : weight)),
      data: 'every labelled prompt outside the held-out fifth (ours, the public sets\' proxy tiers, AlpacaEval\'s with our tiers), each set weighing as the square root of its size; label: tier 1 or more; tier-0 prompts weighted to a quarter of the rest',
      quality: auc,
      qualityName: 'RocAuc',
      threshold: tierOneThreshold,
      thresholdRule: 'the highest that sends at most 5% of our own validation prompts of tier 1 or more to tier 0',
    },
    {
      name: 'tier_2_or_more',
      examples: weighted(judgedSeen, (item) => (item.needsStrong ? 1 : 0), example),
      data:
        'GSM8K, MMLU, arena-bench-v1 and AlpacaEval 2.0 outside the held-out fifth, each set weighing as the square root of its size; label: on the exams, GPT-4 right and Mixtral-8x7B wrong; ' +
        'on the open-ended sets, the strong group of models passes the weak group by the margin in labelRules',
      quality: apgr,
      qualityName: 'Apgr',
      threshold: tierTwoThreshold,
      thresholdRule: `the highest at which the validation exam prompts keep 80% of the quality gap between Mixtral-8x7B and GPT-4 (PGR 0.8), raised until at most ${percent(CONVERSATIONAL_SHARE)} of the validation open-ended prompts pass`,
    },
    {
      name: 'tier_3',
      examples: weighted(requests, (item) => (item.tier === 3 ? 1 : 0), example),
      data: 'our labelled prompts and AlpacaEval\'s with our tiers, outside the held-out fifth, each set weighing as the square root of its size; label: tier 3',
      quality: auc,
      qualityName: 'RocAuc',
      threshold: tierThreeThreshold,
      thresholdRule: 'the highest with validation recall 0.95, unless its precision is under 0.7; then the lowest with precision 0.7; never under 0.5 (an unsure decision does not go to the dearest tier)',
    },
  ];
  const heads: { -readonly [K in HeadName]?: ClassifierWeightsFile['heads'][K] } = {};
  const headTraining: { [K in HeadName]?: Record<string, unknown> } = {};
  const thresholds: { -readonly [K in HeadName]?: number } = {};
  const thresholdRules: { -readonly [K in HeadName]?: string } = {};
  for (const plan of plans) {
    const { file, training, log, validation } = trainHead(plan);
    heads[plan.name] = file;
    headTraining[plan.name] = training;
    thresholds[plan.name] = plan.threshold(validation);
    thresholdRules[plan.name] = plan.thresholdRule;
    console.log(`${log.join('\n')}\n  default threshold ${thresholds[plan.name]}: ${plan.thresholdRule}`);
  }
  const file: ClassifierWeightsFile = { version: 3, featureBits: FEATURE_BITS, thresholds: thresholds as ClassifierWeightsFile['thresholds'], heads: heads as ClassifierWeightsFile['heads'] };
  const training = { training: { command: 'npm run train:classifier', seed: SEED, learningRate: LEARNING_RATE, thresholdRules, labelRules: judged.rules }, heads: headTraining };
  let differing = 0;
  for (const [path, contents] of [[WEIGHTS_FILE, file], [TRAINING_FILE, training]] as const) {
    const text = `${JSON.stringify(contents, null, 2)}\n`;
    if (!values.check) {
      writeFileSync(path, text);
      console.log(`Wrote ${path} (${Buffer.byteLength(text)} bytes).`);
    } else if (existsSync(path) && readFileSync(path, 'utf8') === text) console.log(`${path} is byte-identical to a fresh training run.`);
    else {
      console.log(`${path} differs from a fresh training run.`);
      differing += 1;
    }
  }
  process.exitCode = differing === 0 ? 0 : 1;
}

main();
