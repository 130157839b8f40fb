/**
 * `npm run eval:classifier`: how the tier classifier does on public prompt
 * sets, read in place from ../shared/data/routing-eval (never copied here:
 * some are licensed for non-commercial use only). Labels are the proxy tiers
 * suggested in that folder's README, noisy by nature.
 *
 * Reports (a) a confusion matrix, per-tier recall and macro-F1, and (b) for
 * the sets with per-prompt outcomes of a strong and a weak model, what routing
 * tiers 2-3 to the strong model keeps of its quality and saves of its cost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyPrompt } from '../lambda/core/classifier';
import { costOf } from '../lambda/core/money';
import { TIERS, type Tier } from '../lambda/core/policy';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';

const DATA = process.env['SWITCHYARD_EVAL_DATA'] ?? join(__dirname, '..', '..', 'shared', 'data', 'routing-eval');

interface Labelled {
  readonly source: string;
  readonly prompt: string;
  readonly tier: Tier;
  /** Strong and weak model correct (1) or not (0), where the set has them. */
  readonly outcome?: { readonly strong: number; readonly weak: number };
}

function rows(file: string): Record<string, unknown>[] {
  return readFileSync(join(DATA, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
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
const STRONG = 'gpt-4-1106-preview';
const WEAK = 'mistralai/Mixtral-8x7B-Instruct-v0.1';

function load(): Labelled[] {
  const labelled: Labelled[] = [];
  const correctness = (row: Record<string, unknown>) => {
    const correct = row['correct'] as Record<string, boolean>;
    return { strong: correct[STRONG] ? 1 : 0, weak: correct[WEAK] ? 1 : 0 };
  };
  for (const row of rows('mmlu_gpt4_vs_mixtral.jsonl')) {
    const subject = String(row['subject']);
    const tier: Tier = MMLU_TIER_3.has(subject) ? 3 : MMLU_TIER_2.has(subject) ? 2 : 1;
    labelled.push({ source: 'mmlu', prompt: String(row['prompt']), tier, outcome: correctness(row) });
  }
  for (const row of rows('gsm8k_test_correctness.jsonl')) {
    labelled.push({ source: 'gsm8k', prompt: String(row['question']), tier: 2, outcome: correctness(row) });
  }
  for (const row of rows('humaneval.jsonl')) labelled.push({ source: 'humaneval', prompt: String(row['prompt']), tier: 2 });
  for (const row of rows('arena_hard_v0.1_questions.jsonl')) {
    const cluster = String(row['cluster']);
    const tier: Tier = ARENA_TIER_3.test(cluster) && cluster !== 'Trading Card Games' ? 3 : 2;
    labelled.push({ source: 'arena-hard-v0.1', prompt: String(row['prompt']), tier });
  }
  for (const row of rows('arena_hard_v2.0_questions.jsonl')) {
    // The README allows 1 or 2 for creative writing: those prompts are left out of the matrix.
    if (row['category'] === 'hard_prompt') labelled.push({ source: 'arena-hard-v2.0', prompt: String(row['prompt']), tier: 2 });
  }
  for (const row of rows('wizardlm_testset.jsonl')) {
    const skill = String(row['Skill']);
    const tier: Tier = WIZARD_TIER_3.has(skill) ? 3 : WIZARD_TIER_2.has(skill) ? 2 : 1;
    labelled.push({ source: 'wizardlm', prompt: String(row['Instruction']), tier });
  }
  for (const row of rows('vicuna_bench_questions.jsonl')) {
    const category = String(row['category']);
    const tier: Tier = ['coding', 'math', 'fermi'].includes(category) ? 2 : 1;
    labelled.push({ source: 'vicuna', prompt: (row['turns'] as string[])[0]!, tier });
  }
  return labelled;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function main(): void {
  if (!existsSync(DATA)) {
    console.error(`No evaluation data at ${DATA}: set SWITCHYARD_EVAL_DATA to the routing-eval folder.`);
    process.exit(2);
  }
  const data = load();
  const predicted = data.map((item) => classifyPrompt({ messages: [{ role: 'user', content: item.prompt }], maxTokens: undefined }).tier);

  const matrix = TIERS.map(() => TIERS.map(() => 0));
  data.forEach((item, index) => (matrix[item.tier]![predicted[index]!]! += 1));
  console.log(`Tier classifier v0 on ${data.length} labelled prompts from ${DATA}\n`);
  console.log('(a) confusion matrix: rows are proxy tiers, columns predicted tiers');
  console.log(`            ${TIERS.map((tier) => `pred ${tier}`.padStart(8)).join('')}   recall`);
  const f1s: number[] = [];
  for (const tier of TIERS) {
    const row = matrix[tier]!;
    const total = row.reduce((sum, count) => sum + count, 0);
    if (total === 0) continue;
    const predictedAs = matrix.reduce((sum, other) => sum + other[tier]!, 0);
    const recall = row[tier]! / total;
    const precision = predictedAs === 0 ? 0 : row[tier]! / predictedAs;
    f1s.push(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall));
    console.log(`  tier ${tier} (${String(total).padStart(5)})${row.map((count) => String(count).padStart(8)).join('')}   ${percent(recall)}`);
  }
  console.log(`  macro-F1 over labelled tiers: ${(f1s.reduce((sum, value) => sum + value, 0) / f1s.length).toFixed(3)}`);
  const under = data.filter((item, index) => item.tier >= 2 && predicted[index]! < 2).length;
  const hard = data.filter((item) => item.tier >= 2).length;
  console.log(`  under-routed (proxy tier 2-3 predicted 0-1): ${under} of ${hard} (${percent(under / hard)})`);

  const policy = readPolicyFile(DEFAULT_POLICY_FILE);
  const callTokens = { input: 1000, output: 300, cacheRead: 0, cacheWrite: 0 };
  const strongCost = Number(costOf(callTokens, policy.flagship.price));
  const weakCost = Number(costOf(callTokens, policy.tiers[1][0]!.price));
  console.log(`\n(b) quality kept and cost saved, strong = ${STRONG}, weak = Mixtral-8x7B; tiers 2-3 go to the strong model`);
  console.log(`    cost per call at 1,000 in / 300 out: flagship ${policy.flagship.id} vs tier-1 ${policy.tiers[1][0]!.id}`);
  for (const source of ['mmlu', 'gsm8k']) {
    const items = data.map((item, index) => ({ item, strong: predicted[index]! >= 2 })).filter(({ item }) => item.source === source);
    const p = items.filter(({ strong }) => strong).length / items.length;
    const mean = (pick: (entry: (typeof items)[number]) => number) => items.reduce((sum, entry) => sum + pick(entry), 0) / items.length;
    const qStrong = mean(({ item }) => item.outcome!.strong);
    const qWeak = mean(({ item }) => item.outcome!.weak);
    const qRouter = mean(({ item, strong }) => (strong ? item.outcome!.strong : item.outcome!.weak));
    const qRandom = qWeak + p * (qStrong - qWeak);
    const cost = p * strongCost + (1 - p) * weakCost;
    console.log(
      `    ${source.padEnd(6)} strong calls ${percent(p)}; quality ${qRouter.toFixed(3)} (strong ${qStrong.toFixed(3)}, weak ${qWeak.toFixed(3)}, ` +
        `random router at the same p ${qRandom.toFixed(3)}); PGR ${((qRouter - qWeak) / (qStrong - qWeak)).toFixed(3)}; ` +
        `quality kept ${percent(qRouter / qStrong)}; cost saved ${percent(1 - cost / strongCost)}`,
    );
  }
}

main();
