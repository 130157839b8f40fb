/**
 * `npm run eval:routing [-- --out DIR]`: how the router trades quality for
 * cost on the sets with per-prompt outcomes (GSM8K, MMLU: GPT-4 as the strong
 * model, Mixtral-8x7B as the weak one), by RouteLLM's metrics, on the
 * held-out fifth and on the rest, reported apart. Strong is the policy's
 * tier-2 model, weak its tier-1 model: cost is relative to always-strong at
 * their real price ratio. The score is the classifier's tier (v0 has no
 * finer score), so thresholds fall between tiers. Writes one SVG per set.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyPrompt } from '../lambda/core/classifier';
import { costOf } from '../lambda/core/money';
import { estimateTokens } from '../lambda/core/token-estimate';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';
import { EVAL_DATA, loadLabelled, type Labelled } from '../lib/eval/routing-data';
import { oracleQuality, pgr, randomQuality, summarise, type RoutingSummary, type ScoredOutcome } from '../lib/eval/routing-metrics';
import { routingPlot } from '../lib/eval/routing-plot';

/** Output tokens assumed per answer when pricing a call (the sets carry no answer lengths). */
const OUTPUT_TOKENS = 300;
/** The policy's default split: tiers 2 and 3 go to the strong model. */
const DEFAULT_THRESHOLD = 2 / 3;

const percent = (value: number | undefined) => (value === undefined ? 'never' : `${(value * 100).toFixed(1)}%`);

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  if (!existsSync(EVAL_DATA)) {
    console.error(`No evaluation data at ${EVAL_DATA}: set SWITCHYARD_EVAL_DATA to the routing-eval folder.`);
    process.exit(2);
  }
  const out = resolve(values.out ?? join(__dirname, '..', '.switchyard', 'eval'));
  mkdirSync(out, { recursive: true });
  const policy = readPolicyFile(DEFAULT_POLICY_FILE);
  const strongModel = policy.tiers[2][0]!;
  const weakModel = policy.tiers[1][0]!;
  const data = loadLabelled().filter((item): item is Labelled & { outcome: NonNullable<Labelled['outcome']> } => item.outcome !== undefined);
  console.log(`Routing evaluation: classifier v0 (score = tier / 3), strong = GPT-4-1106, weak = Mixtral-8x7B, from ${EVAL_DATA}`);
  console.log(`Cost: strong priced as ${strongModel.id}, weak as ${weakModel.id}, each prompt's estimated tokens in and ${OUTPUT_TOKENS} out.\n`);

  for (const source of ['gsm8k', 'mmlu']) {
    for (const heldOut of [true, false]) {
      const items = data.filter((item) => item.source === source && item.heldOut === heldOut);
      const scored: (ScoredOutcome & { strongCost: number; weakCost: number })[] = items.map((item) => {
        const usage = { input: estimateTokens([{ content: item.prompt }]), output: OUTPUT_TOKENS, cacheRead: 0, cacheWrite: 0 };
        return {
          score: classifyPrompt({ messages: [{ role: 'user', content: item.prompt }], maxTokens: undefined }).tier / 3,
          strong: item.outcome.strong,
          weak: item.outcome.weak,
          strongCost: Number(costOf(usage, strongModel.price)),
          weakCost: Number(costOf(usage, weakModel.price)),
        };
      });
      const summary = summarise(scored);
      const allStrong = scored.reduce((sum, item) => sum + item.strongCost, 0);
      const costAt = (threshold: number, last: boolean) =>
        scored.reduce((sum, item) => sum + ((last ? item.score > threshold : item.score >= threshold) ? item.strongCost : item.weakCost), 0) / allStrong;
      report(source, heldOut, summary, scored.length, (index) => costAt(summary.points[index]!.threshold, index === summary.points.length - 1));

      const routed = scored.filter((item) => item.score >= DEFAULT_THRESHOLD);
      const quality = scored.reduce((sum, item) => sum + (item.score >= DEFAULT_THRESHOLD ? item.strong : item.weak), 0) / scored.length;
      console.log(
        `  In words: on ${source.toUpperCase()} (${heldOut ? 'held out' : 'train'}), routing tiers 2-3 to the strong model keeps ` +
          `${percent(quality / summary.strongQuality)} of GPT-4's accuracy at ${percent(costAt(DEFAULT_THRESHOLD, false))} of its cost ` +
          `(${percent(routed.length / scored.length)} strong calls).\n`,
      );
      if (heldOut) {
        const file = join(out, `routing-${source}.svg`);
        writeFileSync(file, routingPlot(`${source.toUpperCase()} held out (${scored.length} prompts)`, summary, (share) => oracleQuality(scored, share)));
        console.log(`  Plot: ${file}\n`);
      }
    }
  }
}

function report(source: string, heldOut: boolean, summary: RoutingSummary, count: number, costAt: (index: number) => number): void {
  const { strongQuality, weakQuality } = summary;
  console.log(`${source.toUpperCase()}, ${heldOut ? 'held out' : 'train'} (${count} prompts): strong ${strongQuality.toFixed(3)}, weak ${weakQuality.toFixed(3)}`);
  console.log('  threshold  strong calls  quality   PGR     random at same share   cost vs always-strong');
  summary.points.forEach((point, index) => {
    // Tied scores repeat an edge: each point is shown once (repeats add nothing to the area).
    if (index > 0 && point.threshold === summary.points[index - 1]!.threshold) return;
    console.log(
      `  ${point.threshold.toFixed(3).padStart(9)}  ${percent(point.strongShare).padStart(12)}  ${point.quality.toFixed(3).padStart(7)}  ${pgr(point.quality, strongQuality, weakQuality).toFixed(3).padStart(6)}  ` +
        `${randomQuality(point.strongShare, strongQuality, weakQuality).toFixed(3).padStart(21)}  ${percent(costAt(index)).padStart(22)}`,
    );
  });
  console.log(`  APGR ${summary.apgr.toFixed(3)} (random 0.500); CPT(50%) ${percent(summary.cpt50)}; CPT(80%) ${percent(summary.cpt80)} (random: 50.0%, 80.0%)`);
}

main();
