/**
 * Eval: the classifier's evaluation: the public prompt sets read in place, the
 * labelled sets, the metrics and the plots.
 *
 * The public prompt sets in ../shared/data/routing-eval, read in place (never
 * copied into this repository: some are licensed for non-commercial use
 * only), with the proxy tiers that folder's README suggests (noisy by nature)
 * and, where the set has them, each prompt's outcome on a strong and a weak
 * model. Every prompt has a stable id, and a fixed fifth of them (by a hash
 * of the id) is held out: never trained or tuned on.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tier } from '../../lambda/policy/schema';

export const EVAL_DATA = process.env['SWITCHYARD_EVAL_DATA'] ?? join(__dirname, '..', '..', '..', 'shared', 'data', 'routing-eval');

export interface Labelled {
  /** Stable across runs: the set's own id, or the set and row index. */
  readonly id: string;
  readonly source: string;
  readonly prompt: string;
  readonly tier: Tier;
  /** Strong and weak model correct (1) or not (0), where the set has them. */
  readonly outcome?: { readonly strong: number; readonly weak: number };
  /** In the fifth of every set kept out of training and tuning. */
  readonly heldOut: boolean;
  /** What kind of prompt, in our own sets (e.g. `extraction`, `look-alike: recipe`). */
  readonly kind?: string;
}

/** Every row of a JSON Lines file. */
export function jsonLines<Row = Record<string, unknown>>(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
}

/** A public set's rows, read in place. */
export const rows = (file: string) => jsonLines(join(EVAL_DATA, file));

const LABELLED = join(__dirname, 'labelled');

/** Every row of our labelled files whose names match, in name order. */
function labelledRows<Row>(names: RegExp): Row[] {
  return readdirSync(LABELLED)
    .filter((name) => names.test(name))
    .sort()
    .flatMap((name) => jsonLines<Row>(join(LABELLED, name)));
}

const MMLU_TIER_3 = new Set([
  'professional_law', 'jurisprudence', 'international_law', 'professional_medicine', 'clinical_knowledge', 'college_medicine',
  'medical_genetics', 'anatomy', 'virology', 'nutrition', 'professional_accounting', 'computer_security',
]);
const MMLU_TIER_2 = new Set([
  'abstract_algebra', 'college_mathematics', 'elementary_mathematics', 'high_school_mathematics', 'college_physics', 'conceptual_physics',
  'high_school_physics', 'college_chemistry', 'high_school_chemistry', 'college_computer_science', 'high_school_computer_science',
  'machine_learning', 'electrical_engineering', 'formal_logic', 'econometrics', 'high_school_statistics',
]);
const WIZARD_TIER_3 = new Set(['Law', 'Medicine']);
const WIZARD_TIER_2 = new Set(['Math', 'Code Generation', 'Code Debug', 'Complex Format', 'Reasoning', 'Computer Science', 'Physics', 'Chemistry']);
const ARENA_TIER_3 = /secur|vulnerab|tax|financ|invest|medic|health|cve|xss|stock|options trading|crypto/i;
export const STRONG = 'gpt-4-1106-preview';
export const WEAK = 'mistralai/Mixtral-8x7B-Instruct-v0.1';

/** A fifth of the ids, fixed by their SHA-256: the same split on every machine and every run. */
export function isHeldOut(id: string): boolean {
  return createHash('sha256').update(id).digest()[0]! % 5 === 0;
}

export function loadLabelled(): Labelled[] {
  const labelled: Labelled[] = [];
  const add = (entry: Omit<Labelled, 'heldOut'>) => labelled.push({ ...entry, heldOut: isHeldOut(entry.id) });
  const correctness = (row: Record<string, unknown>) => {
    const correct = row['correct'] as Record<string, boolean>;
    return { strong: correct[STRONG] ? 1 : 0, weak: correct[WEAK] ? 1 : 0 };
  };
  for (const row of rows('mmlu_gpt4_vs_mixtral.jsonl')) {
    const subject = String(row['subject']);
    const tier: Tier = MMLU_TIER_3.has(subject) ? 3 : MMLU_TIER_2.has(subject) ? 2 : 1;
    add({ id: String(row['id']), source: 'mmlu', prompt: String(row['prompt']), tier, outcome: correctness(row) });
  }
  for (const row of rows('gsm8k_test_correctness.jsonl')) {
    add({ id: String(row['id']), source: 'gsm8k', prompt: String(row['question']), tier: 2, outcome: correctness(row) });
  }
  for (const row of rows('humaneval.jsonl')) add({ id: String(row['task_id']), source: 'humaneval', prompt: String(row['prompt']), tier: 2 });
  for (const row of rows('arena_hard_v0.1_questions.jsonl')) {
    const cluster = String(row['cluster']);
    const tier: Tier = ARENA_TIER_3.test(cluster) && cluster !== 'Trading Card Games' ? 3 : 2;
    add({ id: `arena-hard-v0.1/${String(row['uid'])}`, source: 'arena-hard-v0.1', prompt: String(row['prompt']), tier });
  }
  for (const row of rows('arena_hard_v2.0_questions.jsonl')) {
    // The README allows 1 or 2 for creative writing: those prompts are left out of the matrix.
    if (row['category'] === 'hard_prompt') add({ id: `arena-hard-v2.0/${String(row['uid'])}`, source: 'arena-hard-v2.0', prompt: String(row['prompt']), tier: 2 });
  }
  for (const [index, row] of rows('wizardlm_testset.jsonl').entries()) {
    const skill = String(row['Skill']);
    const tier: Tier = WIZARD_TIER_3.has(skill) ? 3 : WIZARD_TIER_2.has(skill) ? 2 : 1;
    add({ id: `wizardlm/${index}`, source: 'wizardlm', prompt: String(row['Instruction']), tier });
  }
  for (const row of rows('vicuna_bench_questions.jsonl')) {
    const category = String(row['category']);
    const tier: Tier = ['coding', 'math', 'fermi'].includes(category) ? 2 : 1;
    add({ id: `vicuna/${String(row['question_id'])}`, source: 'vicuna', prompt: (row['turns'] as string[])[0]!, tier });
  }
  // Our own labelled prompts (lib/eval/labelled/README.md says how they were made).
  for (const row of labelledRows<Record<string, unknown>>(/^tiers.*\.jsonl$/)) add({ id: String(row['id']), source: 'own', prompt: String(row['prompt']), tier: row['tier'] as Tier, kind: String(row['kind']) });
  return labelled;
}

/** The source name of AlpacaEval's prompts as tier-labelled requests (the judged set keeps `alpaca-eval-2`). */
export const ORDINARY_SOURCE = 'alpaca-eval-2 tiers';

/**
 * AlpacaEval's 801 prompts, tier-labelled for this project (ids and tiers
 * only, in lib/eval/labelled/alpaca-tiers-*.jsonl; the prompts are read in
 * place): a large set of ordinary requests, never trained on, for tier-3
 * precision and the share of conversational prompts sent up.
 */
export function loadOrdinary(): Labelled[] {
  const tiers = new Map(labelledRows<{ id: string; tier: Tier }>(/^alpaca-tiers-.*\.jsonl$/).map((row) => [row.id, row.tier]));
  return rows('alpaca_eval2_weighted_vs_gpt4turbo.jsonl')
    .filter((row) => tiers.has(String(row['id'])))
    .map((row) => ({ id: String(row['id']), source: ORDINARY_SOURCE, prompt: String(row['prompt']), tier: tiers.get(String(row['id']))!, heldOut: isHeldOut(String(row['id'])) }));
}
