/**
 * The prompts the strong-model head learns from and is measured on: each
 * with its outcome for an evaluation pair (a strong and a weak model) and a
 * training label, "the strong model is needed here".
 *
 * - Exams (MMLU, GSM8K): the pair is GPT-4-1106 and Mixtral-8x7B; the label
 *   is the pair's own outcome (GPT-4 right, Mixtral wrong).
 * - Open-ended sets (arena-bench-v1, AlpacaEval 2.0): a judge scored many
 *   models on each prompt. The label compares two groups of models scored on
 *   the same prompt: the strong model is needed where the strong group's mean
 *   score passes the weak group's by a margin. The margin is the one at which
 *   two disjoint halves of the groups agree best (Cohen's kappa): the gap is
 *   then a property of the prompt, not of one answer's luck with the judge.
 *   The evaluation pair's models (and every variant of them, such as
 *   `*_concise`) are in neither group, so the held-out figures are measured
 *   on prompts and models the head never saw.
 *
 * Read in place from ../shared (AlpacaEval's data is for non-commercial use:
 * never copied here). Held out: the same fifth of ids as every other set.
 */
import { join } from 'node:path';
import { EVAL_DATA, isHeldOut, jsonLines, STRONG, WEAK } from './routing-data';

export interface Judged {
  readonly id: string;
  readonly source: string;
  readonly prompt: string;
  readonly heldOut: boolean;
  /** The evaluation pair's scores, 0..1 (correctness, or the judge's score on its scale). */
  readonly outcome: { readonly strong: number; readonly weak: number };
  /** The training label. */
  readonly needsStrong: boolean;
  /** Whether the set is open-ended (conversational) rather than an exam. */
  readonly openEnded: boolean;
  /** Open-ended sets: the strong group's mean score less the weak group's on this prompt, 0..1 of the scale (what the label thresholds). */
  readonly groupGap?: number;
}

/** Two halves of a group of models: the label uses both, the margin is chosen where they agree. */
type Halves = readonly [readonly string[], readonly string[]];

export interface OpenEndedSet {
  readonly source: string;
  readonly file: string;
  /** The judge's scale, mapped to 0..1. */
  readonly scale: readonly [low: number, high: number];
  readonly pair: { readonly strong: string; readonly weak: string };
  readonly strongGroup: Halves;
  readonly weakGroup: Halves;
}

export const OPEN_ENDED_SETS: readonly OpenEndedSet[] = [
  {
    source: 'arena-bench-v1',
    file: 'arena_bench_v1_gpt4_single.jsonl',
    scale: [1, 10],
    pair: { strong: STRONG, weak: WEAK },
    strongGroup: [['gpt-4-0314', 'claude-2.1', 'gpt-3.5-turbo'], ['claude-1', 'gpt-3.5-turbo-1106', 'claude-instant-1']],
    weakGroup: [['llama-13b', 'palm-2-chat-bison-001', 'vicuna-33b-v1.3', 'openchat_3.5'], ['mistralai/Mistral-7B-Instruct-v0.1', 'Llama-2-70b-chat', 'Starling-LM-7B-alpha']],
  },
  {
    source: 'alpaca-eval-2',
    file: 'alpaca_eval2_weighted_vs_gpt4turbo.jsonl',
    scale: [1, 2],
    // Claude 2 against Vicuna-7B: a flagship of the time and a small open model; no Claude or Vicuna is in the groups.
    pair: { strong: 'claude-2', weak: 'vicuna-7b' },
    strongGroup: [['gpt-3.5-turbo-1106', 'Mixtral-8x7B-Instruct-v0.1_concise', 'humpback-llama2-70b', 'Qwen-14B-Chat'], ['gpt-3.5-turbo-0301', 'OpenHermes-2.5-Mistral-7B', 'gpt35_turbo_instruct', 'openbuddy-llama2-70b-v10.1']],
    weakGroup: [['alpaca-7b', 'falcon-7b-instruct', 'pythia-12b-mix-sft', 'phi-2', 'chatglm2-6b'], ['oasst-sft-pythia-12b', 'text_davinci_001', 'minichat-3b', 'gemma-2b-it', 'falcon-40b-instruct']],
  },
];

/** The margins tried, as shares of the judge's scale. */
const MARGINS = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4] as const;

interface JudgedRow {
  readonly id: string;
  readonly prompt: string;
  readonly scores: Readonly<Record<string, number | null>>;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Cohen's kappa of two 0/1 labellings. */
export function kappa(first: readonly boolean[], second: readonly boolean[]): number {
  const agree = mean(first.map((value, index) => (value === second[index] ? 1 : 0)));
  const [p, q] = [mean(first.map(Number)), mean(second.map(Number))];
  const chance = p * q + (1 - p) * (1 - q);
  return chance === 1 ? 0 : (agree - chance) / (1 - chance);
}

/** How one set's label was made: the margin chosen and how well the halves agree at each. */
export interface LabelRule {
  readonly source: string;
  readonly margin: number;
  readonly agreement: readonly { readonly margin: number; readonly kappa: number }[];
}

export function loadOpenEnded(set: OpenEndedSet): { items: Judged[]; rule: LabelRule } {
  const [low, high] = set.scale;
  const scaled = (value: number) => (value - low) / (high - low);
  const groupMean = (row: JudgedRow, models: readonly string[]) => {
    const scores = models.map((model) => row.scores[model]).filter((score): score is number => typeof score === 'number');
    return scores.length === 0 ? undefined : scaled(mean(scores));
  };
  const gapOf = (row: JudgedRow, strong: readonly string[], weak: readonly string[]) => {
    const [s, w] = [groupMean(row, strong), groupMean(row, weak)];
    return s === undefined || w === undefined ? undefined : s - w;
  };
  const rows = jsonLines<JudgedRow>(join(EVAL_DATA, set.file)).filter((row) => typeof row.scores[set.pair.strong] === 'number' && typeof row.scores[set.pair.weak] === 'number');
  // The margin: chosen on the prompts outside the held-out fifth only.
  const halves = rows
    .filter((row) => !isHeldOut(row.id))
    .map((row) => [gapOf(row, set.strongGroup[0], set.weakGroup[0]), gapOf(row, set.strongGroup[1], set.weakGroup[1])] as const)
    .filter((gaps): gaps is readonly [number, number] => gaps[0] !== undefined && gaps[1] !== undefined);
  const agreement = MARGINS.map((margin) => ({ margin, kappa: Number(kappa(halves.map(([a]) => a >= margin), halves.map(([, b]) => b >= margin)).toFixed(3)) }));
  const margin = agreement.reduce((best, entry) => (entry.kappa > best.kappa ? entry : best)).margin;
  const items = rows.map((row) => {
    const gap = gapOf(row, [...set.strongGroup[0], ...set.strongGroup[1]], [...set.weakGroup[0], ...set.weakGroup[1]]) ?? 0;
    return {
      id: row.id,
      source: set.source,
      prompt: row.prompt,
      heldOut: isHeldOut(row.id),
      outcome: { strong: scaled(row.scores[set.pair.strong]!), weak: scaled(row.scores[set.pair.weak]!) },
      needsStrong: gap >= margin,
      openEnded: true,
      groupGap: gap,
    };
  });
  return { items, rule: { source: set.source, margin, agreement } };
}

/** Every judged prompt: the exams' and the open-ended sets', with each open-ended set's label rule. */
export function loadJudged(exams: readonly { id: string; source: string; prompt: string; heldOut: boolean; outcome?: Judged['outcome'] }[]): { items: Judged[]; rules: LabelRule[] } {
  const items: Judged[] = exams
    .filter((item) => item.outcome !== undefined)
    .map((item) => ({ id: item.id, source: item.source, prompt: item.prompt, heldOut: item.heldOut, outcome: item.outcome!, needsStrong: item.outcome!.strong > item.outcome!.weak, openEnded: false }));
  const rules: LabelRule[] = [];
  for (const set of OPEN_ENDED_SETS) {
    const loaded = loadOpenEnded(set);
    items.push(...loaded.items);
    rules.push(loaded.rule);
  }
  return { items, rules };
}
