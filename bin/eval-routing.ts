/**
 * `npm run eval:routing [-- --out DIR]`: how the router trades quality for
 * cost on the sets with per-prompt outcomes (GSM8K, MMLU: GPT-4 as the strong
 * model, Mixtral-8x7B as the weak one), by RouteLLM's metrics, on the
 * held-out fifth and on the rest, reported apart; then the open-ended sets
 * (arena-bench-v1, AlpacaEval 2.0: lib/eval/judged-data.ts), AlpacaEval's
 * prompts as tier-labelled ordinary traffic, and the recorded agent sessions'
 * cost against always-flagship (lib/eval/session-costs.ts). Strong is the policy's
 * tier-2 model, weak its tier-1 model: cost is relative to always-strong at
 * their real price ratio. Two routers: classifier v0, whose only score is its
 * tier, and classifier v1 (`npm run train:classifier`), scored by its
 * probability that the strong model is needed. First, the tier confusion on
 * the labelled sets, for v0, v1 as routed and v1 with and without v0's rules
 * as floors. Writes one SVG per set.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyPrompt } from '../lambda/core/routing/classifier';
import { costOf } from '../lambda/core/accounting/money';
import { estimateTokens } from '../lambda/core/routing/token-estimate';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';
import { EVAL_DATA, loadLabelled, loadOrdinary, type Labelled } from '../lib/eval/routing-data';
import { loadJudged, type Judged } from '../lib/eval/judged-data';
import { cascadeScores } from '../lib/eval/cascade';
import { TYPICAL_VERDICT_TOKENS } from '../lambda/core/features/verification';
import { loadAgentSessions } from '../lib/eval/agent-sessions';
import { sessionCost } from '../lib/eval/session-costs';
import { apgrSpread, oracleQuality, pgr, randomQuality, summarise, type RoutingSummary } from '../lib/eval/routing-metrics';
import { routingPlot } from '../lib/eval/routing-plot';
import { renderConfusion, tierConfusion } from '../lib/eval/tier-confusion';
import { classifierInput, classifyTrained, DEFAULT_THRESHOLDS, FLOOR_RULES, scoredTier, tierScores, withFloors } from '../lambda/core/routing/trained-classifier';
import type { Tier } from '../lambda/policy/schema';
import type { ModelSpec, Policy } from '../lambda/policy/policy';
import { answerHelp } from '../lib/cli/help';

/** Output tokens assumed per answer when pricing a call (the sets carry no answer lengths). */
const OUTPUT_TOKENS = 300;

/** A prompt as a one-turn conversation. */
const asView = (prompt: string) => ({ messages: [{ role: 'user' as const, content: prompt }], maxTokens: undefined });

const percent = (value: number | undefined) => (value === undefined ? 'never' : `${(value * 100).toFixed(1)}%`);

async function main(): Promise<void> {
  answerHelp(__filename);
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
  const labelled = loadLabelled();
  const { items: data, rules } = loadJudged(labelled);
  console.log(`Routing evaluation from ${EVAL_DATA}: exams (GSM8K, MMLU) strong = GPT-4-1106, weak = Mixtral-8x7B; open-ended: arena-bench-v1 the same pair, AlpacaEval 2.0 Claude 2 against Vicuna-7B`);
  for (const rule of rules) {
    console.log(`  ${rule.source} label: strong group - weak group >= ${rule.margin} of the judge's scale (Cohen's kappa of two disjoint halves of the groups, by margin: ${rule.agreement.map((entry) => `${entry.margin} ${entry.kappa}`).join(', ')})`);
  }
  console.log(`Cost: strong priced as ${strongModel.id}, weak as ${weakModel.id}, each prompt's estimated tokens in and ${OUTPUT_TOKENS} out.\n`);

  const v1With = (floors: ReadonlySet<string>) => (prompt: string): Tier => classifyTrained(asView(prompt), {}, { floors }).tier;
  const tierRouters: [string, (prompt: string) => Tier][] = [
    ['classifier v0', (prompt) => classifyPrompt(asView(prompt)).tier],
    [`classifier v1 as routed (thresholds ${JSON.stringify(DEFAULT_THRESHOLDS)}, floors: ${[...FLOOR_RULES].join(', ')})`, v1With(FLOOR_RULES)],
    ['v1 with the high-stakes rules as a tier-3 floor', v1With(new Set([...FLOOR_RULES, 'high-stakes: medical', 'high-stakes: legal', 'high-stakes: financial', 'high-stakes: security']))],
    ['v1 without the code rules as a floor', v1With(new Set([...FLOOR_RULES].filter((label) => !label.startsWith('code'))))],
  ];
  for (const [title, items] of [
    ['Our labelled sets (tier 0, tier 3 and look-alikes)', labelled.filter((item) => item.source === 'own')],
    ['Every labelled prompt (proxy tiers and ours)', labelled],
  ] as const) {
    for (const heldOut of [true, false]) {
      const split = items.filter((item) => item.heldOut === heldOut);
      for (const [router, tierOf] of tierRouters) {
        console.log(`${title}, ${heldOut ? 'held out' : 'train'}, ${split.length} prompts, ${router}:`);
        const rows = split.map((item) => ({ labelled: item.tier, predicted: tierOf(item.prompt), outcome: item.outcome }));
        console.log(renderConfusion(tierConfusion(rows), 'labelled tiers'));
        const needed = rows.filter((row) => row.outcome !== undefined && row.outcome.strong > row.outcome.weak);
        if (needed.length > 0) {
          const missed = needed.filter((row) => row.predicted <= 1).length;
          console.log(`  by outcome (GSM8K, MMLU): ${missed} of ${needed.length} prompts that only GPT-4 answered right went to tier 0-1 (${percent(missed / needed.length)})`);
        }
        console.log('');
      }
    }
  }

  const routers = [
    { name: 'classifier v0 (score = tier / 3; tiers 2-3 strong by default)', score: (prompt: string) => classifyPrompt(asView(prompt)).tier / 3 },
    { name: 'classifier v1 (score = P(tier 2+), the strong model is needed)', score: (prompt: string) => tierScores(classifierInput(prompt)).tier_2_or_more },
  ];
  const heldOutTable: string[] = [];
  for (const source of ['gsm8k', 'mmlu', 'arena-bench-v1', 'alpaca-eval-2']) {
    for (const heldOut of [true, false]) {
      const items = data.filter((item) => item.source === source && item.heldOut === heldOut);
      const priced = items.map((item) => {
        const usage = { input: estimateTokens([{ content: item.prompt }]), output: OUTPUT_TOKENS, cacheRead: 0, cacheWrite: 0 };
        return { strongCost: Number(costOf(usage, strongModel.price)), weakCost: Number(costOf(usage, weakModel.price)) };
      });
      const allStrong = priced.reduce((sum, item) => sum + item.strongCost, 0);
      for (const router of routers) {
        const scored = items.map((item) => ({ score: router.score(item.prompt), strong: item.outcome.strong, weak: item.outcome.weak }));
        const summary = summarise(scored);
        const costAt = (threshold: number, last: boolean) =>
          scored.reduce((sum, item, index) => sum + ((last ? item.score > threshold : item.score >= threshold) ? priced[index]!.strongCost : priced[index]!.weakCost), 0) / allStrong;
        report(`${source.toUpperCase()}, ${heldOut ? 'held out' : 'train'}, ${router.name}`, summary, scored.length, (index) => costAt(summary.points[index]!.threshold, index === summary.points.length - 1));
        const weakShare = priced.reduce((sum, item) => sum + item.weakCost, 0) / allStrong;
        if (summary.cpt80 !== undefined) {
          const quality = summary.weakQuality + 0.8 * (summary.strongQuality - summary.weakQuality);
          console.log(
            `  In words: on ${source.toUpperCase()} (${heldOut ? 'held out' : 'train'}) this router keeps ${percent(quality / summary.strongQuality)} of GPT-4's accuracy ` +
              `at about ${percent(summary.cpt80 + (1 - summary.cpt80) * weakShare)} of its cost (${percent(summary.cpt80)} strong calls, CPT(80%)).\n`,
          );
        }
        if (router === routers[1]) {
          // As shipped, every tier decides: tier 3 (high stakes) and the floors send prompts to the strong model too.
          const strongAt = items.map((item) => classifyTrained(asView(item.prompt)).tier >= 2);
          if (heldOut) {
            heldOutTable.push(
              `  ${source.padEnd(15)} ${String(items.length).padStart(7)}  ${summary.apgr.toFixed(3).padStart(5)}  ${apgrSpread(scored).toFixed(3).padStart(13)}  ${percent(summary.cpt50).padStart(8)}  ${percent(summary.cpt80).padStart(8)}  ${percent(strongAt.filter(Boolean).length / items.length).padStart(12)}`,
            );
          }
          const quality = scored.reduce((sum, item, index) => sum + (strongAt[index] ? item.strong : item.weak), 0) / scored.length;
          const cost = scored.reduce((sum, _, index) => sum + (strongAt[index] ? priced[index]!.strongCost : priced[index]!.weakCost), 0) / allStrong;
          console.log(
            `  As routed at the default thresholds (tier 2-3 strong, 0-1 weak): ${percent(strongAt.filter(Boolean).length / scored.length)} strong calls, quality ${quality.toFixed(3)}, ` +
              `PGR ${pgr(quality, summary.strongQuality, summary.weakQuality).toFixed(3)}.\n  In words: on ${source.toUpperCase()} (${heldOut ? 'held out' : 'train'}) the router as shipped keeps ` +
              `${percent(quality / summary.strongQuality)} of GPT-4's accuracy at ${percent(cost)} of its cost.\n`,
          );
        }
        if (heldOut && router === routers[1]) {
          const file = join(out, `routing-${source}.svg`);
          writeFileSync(file, routingPlot(`${source.toUpperCase()} held out (${scored.length} prompts): classifier v1`, summary, (share) => oracleQuality(scored, share)));
          console.log(`  Plot: ${file}\n`);
        }
      }
    }
  }
  console.log('Held out, classifier v1 (score P(tier 2+); strong share = tiers 2-3 at the default thresholds):');
  console.log('  set             prompts   APGR  ± (bootstrap)  CPT(50%)  CPT(80%)  strong share');
  console.log(`${heldOutTable.join('\n')}\n`);
  beyondThePrompt(data.filter((item) => item.heldOut), policy);
  ordinaryPrompts();
  await agentSessions(policy);
}

/**
 * What reading the prompt alone can reach, and what the cascade reaches,
 * held out, per set: classifier v1; the ceiling of any prompt-only router on
 * the open-ended sets (each prompt scored by how much better the other
 * strong models did than the other weak ones on it, the label's own
 * measure); and the cascade (lib/eval/cascade.ts) with graders that agree
 * with the recorded grades at 1, 0.8 and 0.6, priced with its weak answer
 * and verifier call on every prompt.
 */
function beyondThePrompt(items: readonly Judged[], policy: Policy): void {
  const [strong, weak, verifier] = [policy.tiers[2][0]!, policy.tiers[1][0]!, policy.verification[3]?.model ?? policy.tiers[1][0]!];
  const cell = (summary: RoutingSummary) => `${summary.apgr.toFixed(3)} / ${percent(summary.cpt50).padStart(5)}`;
  console.log('Beyond the prompt, held out: APGR / CPT(50%) by router; the cascade\'s cost counts its weak answer and verifier call on every prompt:');
  console.log('  set             prompts  v1 (prompt)        prompt-only ceiling  cascade, grader r 1  r 0.8              r 0.6              cascade cost at CPT(50%), r 0.8');
  for (const source of [...new Set(items.map((item) => item.source))]) {
    const set = items.filter((item) => item.source === source);
    const outcomes = set.map((item) => item.outcome);
    const v1 = summarise(set.map((item) => ({ score: tierScores(classifierInput(item.prompt)).tier_2_or_more, ...item.outcome })));
    const ceiling = set[0]!.groupGap === undefined ? undefined : summarise(set.map((item) => ({ score: item.groupGap!, ...item.outcome })));
    const cascades = [1, 0.8, 0.6].map((agreement) => summarise(cascadeScores(outcomes, agreement)));
    const usd = (model: ModelSpec, input: number, output: number) => Number(costOf({ input, output, cacheRead: 0, cacheWrite: 0 }, model.price));
    const tokens = set.map((item) => estimateTokens([{ content: item.prompt }]));
    const allStrong = tokens.reduce((sum, input) => sum + usd(strong, input, OUTPUT_TOKENS), 0);
    const always = tokens.reduce((sum, input) => sum + usd(weak, input, OUTPUT_TOKENS) + usd(verifier, input + OUTPUT_TOKENS + VERIFIER_PROMPT_TOKENS, TYPICAL_VERDICT_TOKENS), 0);
    const share = cascades[1]!.cpt50;
    console.log(
      `  ${source.padEnd(15)} ${String(set.length).padStart(7)}  ${cell(v1).padEnd(17)}  ${(ceiling ? cell(ceiling) : 'n/a (exam)').padEnd(19)}  ${cascades.map((summary) => cell(summary).padEnd(17)).join('  ')}  ` +
        `${share === undefined ? 'never' : percent((always + share * allStrong) / allStrong)} of always-strong`,
    );
  }
  console.log(`  (strong ${strong.id}, weak ${weak.id}, verifier ${verifier.id}; ${OUTPUT_TOKENS} output tokens an answer, ${TYPICAL_VERDICT_TOKENS} a verdict)\n`);
}

/** The verifier's rubric and output instructions, in tokens, beside the task and the answer. */
const VERIFIER_PROMPT_TOKENS = 120;

function ordinaryPrompts(): void {
  const ordinary = loadOrdinary().filter((item) => item.heldOut);
  const rows = ordinary.map((item) => ({ labelled: item.tier, predicted: classifyTrained(asView(item.prompt)).tier }));
  console.log(`AlpacaEval's prompts as ordinary requests (tiers labelled for this project), held out (${ordinary.length}; the heads learn from the other four fifths), classifier v1 as routed:`);
  console.log(renderConfusion(tierConfusion(rows), 'labelled tiers'));
  const upward = rows.filter((row) => row.predicted >= 2).length;
  const tierThree = rows.filter((row) => row.predicted === 3);
  console.log(`  sent to tier 2 or above: ${percent(upward / rows.length)} (${upward} of ${rows.length}); to tier 3: ${tierThree.length}, of which labelled tier 3: ${tierThree.filter((row) => row.labelled === 3).length}\n`);
  tierThreeCurve(ordinary);
}

/**
 * What the tier_3 threshold trades, held out: the recall of our tier-3
 * prompts, and how many ordinary requests (AlpacaEval's, of which few are
 * high-stakes) the flagship would get, at each threshold.
 */
function tierThreeCurve(ordinary: readonly Labelled[]): void {
  const own = loadLabelled().filter((item) => item.source === 'own' && item.heldOut);
  const scoreOf = (item: Labelled) => tierScores(classifierInput(item.prompt)).tier_3;
  const ownScored = own.map((item) => ({ tier: item.tier, score: scoreOf(item) }));
  const ordinaryScored = ordinary.map((item) => ({ tier: item.tier, score: scoreOf(item) }));
  console.log(`P(tier 3) threshold against tier-3 recall (our ${ownScored.filter((item) => item.tier === 3).length} held-out tier-3 prompts) and flagship calls on ${ordinary.length} held-out ordinary requests:`);
  console.log('  threshold  tier-3 recall  ours sent to tier 3 that are not  ordinary sent to tier 3  of which tier 3');
  for (const threshold of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]) {
    const passed = (items: readonly { tier: number; score: number }[]) => items.filter((item) => item.score >= threshold);
    const recall = passed(ownScored).filter((item) => item.tier === 3).length / ownScored.filter((item) => item.tier === 3).length;
    console.log(
      `  ${threshold.toFixed(2).padStart(9)}  ${percent(recall).padStart(13)}  ${String(passed(ownScored).filter((item) => item.tier !== 3).length).padStart(32)}  ` +
        `${String(passed(ordinaryScored).length).padStart(23)}  ${String(passed(ordinaryScored).filter((item) => item.tier === 3).length).padStart(15)}`,
    );
  }
  console.log();
  exactTierCeiling(own);
}

/**
 * The best exact-tier agreement on our held-out prompts over every choice of
 * the three thresholds (a 0.05 grid), tuned on those very prompts, so
 * optimistic: with tier_3 kept at 0.5 or more (no unsure decision on the
 * dearest tier), and with any tier_3.
 */
function exactTierCeiling(own: readonly Labelled[]): void {
  const scored = own.map((item) => {
    const input = classifierInput(item.prompt);
    return { tier: item.tier, scores: tierScores(input), findings: input.findings };
  });
  const grid = Array.from({ length: 19 }, (_, index) => Math.round((index + 1) * 5) / 100);
  for (const lowest of [0.5, 0.05]) {
    let best = { agreement: 0, limits: DEFAULT_THRESHOLDS };
    for (const one of grid) {
      for (const two of grid) {
        for (const three of grid.filter((value) => value >= lowest)) {
          const limits = { tier_1_or_more: one, tier_2_or_more: two, tier_3: three };
          const agreement = scored.filter((item) => withFloors(scoredTier(item.scores, limits), item.findings).tier === item.tier).length / scored.length;
          if (agreement > best.agreement) best = { agreement, limits };
        }
      }
    }
    console.log(`  best exact-tier agreement on these ${scored.length} prompts, thresholds tuned on them, tier_3 >= ${lowest}: ${percent(best.agreement)} at ${JSON.stringify(best.limits)}`);
  }
  console.log();
}

async function agentSessions(policy: Policy): Promise<void> {
  console.log(`Recorded agent sessions (test/fixtures/agent-sessions), each turn as the gateway routes it, cache reads and writes priced; flagship = ${policy.flagship.id}:`);
  console.log('  session                         turns  tiers by turn    routed USD  flagship USD  routed/flagship  model changes  (each turn alone: routed USD, changes)');
  let [routed, flagship, turns, switches] = [0, 0, 0, 0];
  for (const session of loadAgentSessions()) {
    const sticky = await sessionCost(session, policy);
    const alone = await sessionCost(session, policy, { affinity: false });
    routed += sticky.routed;
    flagship += sticky.flagship;
    turns += sticky.turns.length;
    switches += sticky.switches;
    const usd = (nano: number) => (nano / 1e9).toFixed(4);
    console.log(
      `  ${session.name.padEnd(31)} ${String(sticky.turns.length).padStart(5)}  ${sticky.turns.map((turn) => turn.tier).join('').padEnd(15)} ${usd(sticky.routed).padStart(10)}  ${usd(sticky.flagship).padStart(12)}  ` +
        `${percent(sticky.routed / sticky.flagship).padStart(15)}  ${String(sticky.switches).padStart(13)}  (${usd(alone.routed)}, ${alone.switches})`,
    );
  }
  console.log(`  all: ${percent(routed / flagship)} of the flagship's cost; ${switches} of ${turns} turns changed model (${percent(switches / turns)})\n`);
}

function report(title: string, summary: RoutingSummary, count: number, costAt: (index: number) => number): void {
  const { strongQuality, weakQuality } = summary;
  console.log(`${title} (${count} prompts): strong ${strongQuality.toFixed(3)}, weak ${weakQuality.toFixed(3)}`);
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

void main();
