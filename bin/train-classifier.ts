/**
 * `npm run train:classifier`: trains classifier v1's "needs the strong model"
 * score and writes lambda/core/classifier-weights.json. Reproducible: the
 * split, the order and the arithmetic are fixed, so two runs write the same
 * bytes (`-- --check` retrains and compares with the file instead).
 *
 * - Data: the GSM8K and MMLU prompts outside the held-out fifth (read in place
 *   from ../shared; nothing is copied). Label: 1 where GPT-4 answered right and
 *   Mixtral-8x7B wrong, the only prompts where the strong model pays off.
 * - A validation fifth of that (by a second hash of each id) picks the
 *   hyperparameters and fits the calibration; the held-out fifth is never read.
 * - Model: logistic regression, AdaGrad, L2, over hashed words and word pairs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FEATURE_BITS, FEATURE_BUCKETS, promptFeatures } from '../lambda/core/prompt-features';
import { rawScore, sigmoid, type ClassifierWeightsFile } from '../lambda/core/trained-classifier';
import { EVAL_DATA, loadLabelled } from '../lib/eval/routing-data';
import { summarise } from '../lib/eval/routing-metrics';

const WEIGHTS_FILE = join(__dirname, '..', 'lambda', 'core', 'classifier-weights.json');
const SEED = 20261127;
const LEARNING_RATE = 0.2;
const GRID = { epochs: [1, 2, 3], l2: [1e-5, 1e-4, 1e-3] } as const;

interface Example {
  readonly id: string;
  readonly source: string;
  readonly buckets: readonly number[];
  readonly label: number;
  readonly strong: number;
  readonly weak: number;
}

const isValidation = (id: string) => createHash('sha256').update(id).digest()[1]! % 5 === 0;

/** mulberry32: a small seeded generator, so the shuffles are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function train(examples: readonly Example[], epochs: number, l2: number): { bias: number; weights: Float64Array } {
  const random = seeded(SEED);
  const weights = new Float64Array(FEATURE_BUCKETS);
  const squares = new Float64Array(FEATURE_BUCKETS).fill(1e-8);
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
      const norm = 1 / Math.sqrt(example.buckets.length + 1);
      const error = sigmoid(rawScore({ bias, weights: weights as unknown as Float32Array }, example.buckets)) - example.label;
      for (const bucket of example.buckets) {
        const gradient = error * norm + l2 * weights[bucket]!;
        squares[bucket] = squares[bucket]! + gradient * gradient;
        weights[bucket] = weights[bucket]! - (LEARNING_RATE * gradient) / Math.sqrt(squares[bucket]!);
      }
      biasSquares += error * error;
      bias -= (LEARNING_RATE * error) / Math.sqrt(biasSquares);
    }
  }
  return { bias, weights };
}

/** Mean APGR over the sets, on `examples`, of a model's raw scores. */
function meanApgr(examples: readonly Example[], score: (example: Example) => number): number {
  const sources = [...new Set(examples.map((example) => example.source))].sort();
  const values = sources.map((source) => summarise(examples.filter((example) => example.source === source).map((example) => ({ score: score(example), strong: example.strong, weak: example.weak }))).apgr);
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Platt scaling: a and b for sigmoid(a z + b), by gradient descent on the log loss. */
function calibrate(scores: readonly number[], labels: readonly number[]): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let step = 0; step < 500; step += 1) {
    let gradientA = 0;
    let gradientB = 0;
    scores.forEach((z, index) => {
      const error = sigmoid(a * z + b) - labels[index]!;
      gradientA += error * z;
      gradientB += error;
    });
    a -= (0.5 * gradientA) / scores.length;
    b -= (0.5 * gradientB) / scores.length;
  }
  return { a: round(a), b: round(b) };
}

const round = (value: number) => Number(value.toPrecision(8));

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean' } } });
  if (!existsSync(EVAL_DATA)) {
    console.error(`No training data at ${EVAL_DATA}: set SWITCHYARD_EVAL_DATA to the routing-eval folder.`);
    process.exit(2);
  }
  const examples: Example[] = loadLabelled()
    .filter((item) => !item.heldOut && item.outcome !== undefined)
    .map((item) => ({
      id: item.id,
      source: item.source,
      buckets: promptFeatures(item.prompt),
      label: item.outcome!.strong > item.outcome!.weak ? 1 : 0,
      strong: item.outcome!.strong,
      weak: item.outcome!.weak,
    }));
  const fit = examples.filter((example) => !isValidation(example.id));
  const validation = examples.filter((example) => isValidation(example.id));
  console.log(`Training on ${fit.length} prompts, validating on ${validation.length} (GSM8K and MMLU outside the held-out fifth).`);

  let best: { epochs: number; l2: number; apgr: number } | undefined;
  for (const epochs of GRID.epochs) {
    for (const l2 of GRID.l2) {
      const model = train(fit, epochs, l2);
      const apgr = meanApgr(validation, (example) => rawScore({ bias: model.bias, weights: model.weights as unknown as Float32Array }, example.buckets));
      console.log(`  epochs ${epochs}, l2 ${l2}: validation APGR ${apgr.toFixed(4)}`);
      if (best === undefined || apgr > best.apgr) best = { epochs, l2, apgr };
    }
  }
  const chosen = best!;
  const model = train(fit, chosen.epochs, chosen.l2);
  const scale = Math.max(...model.weights.map(Math.abs)) / 127;
  const quantized = Buffer.alloc(FEATURE_BUCKETS);
  model.weights.forEach((weight, index) => quantized.writeInt8(Math.round(weight / scale), index));
  const dequantized = { bias: round(model.bias), weights: Float32Array.from(quantized, (_, index) => quantized.readInt8(index) * round(scale)) };
  const validationScores = validation.map((example) => rawScore(dequantized, example.buckets));
  const file: ClassifierWeightsFile = {
    version: 1,
    featureBits: FEATURE_BITS,
    bias: dequantized.bias,
    scale: round(scale),
    weights: quantized.toString('base64'),
    calibration: calibrate(validationScores, validation.map((example) => example.label)),
    training: {
      command: 'npm run train:classifier',
      data: 'GSM8K and MMLU from ../shared/data/routing-eval, outside the held-out fifth; label: GPT-4 right and Mixtral-8x7B wrong',
      examples: fit.length,
      validationExamples: validation.length,
      seed: SEED,
      learningRate: LEARNING_RATE,
      epochs: chosen.epochs,
      l2: chosen.l2,
      validationApgr: round(chosen.apgr),
    },
  };
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (values.check) {
    const same = existsSync(WEIGHTS_FILE) && readFileSync(WEIGHTS_FILE, 'utf8') === text;
    console.log(same ? `${WEIGHTS_FILE} is byte-identical to a fresh training run.` : `${WEIGHTS_FILE} differs from a fresh training run.`);
    process.exitCode = same ? 0 : 1;
    return;
  }
  writeFileSync(WEIGHTS_FILE, text);
  console.log(`Chose epochs ${chosen.epochs}, l2 ${chosen.l2}; wrote ${WEIGHTS_FILE} (${Buffer.byteLength(text)} bytes).`);
}

main();
