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
import { existsSync } from 'node:fs';
import { classifyPrompt } from '../lambda/core/routing/classifier';
import { costOf } from '../lambda/core/accounting/money';
import { EVAL_DATA as DATA, loadLabelled as load, STRONG } from '../lib/eval/routing-data';
import { renderConfusion, tierConfusion } from '../lib/eval/tier-confusion';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function main(): void {
  if (!existsSync(DATA)) {
    console.error(`No evaluation data at ${DATA}: set SWITCHYARD_EVAL_DATA to the routing-eval folder.`);
    process.exit(2);
  }
  const data = load();
  const predicted = data.map((item) => classifyPrompt({ messages: [{ role: 'user', content: item.prompt }], maxTokens: undefined }).tier);

  console.log(`Tier classifier v0 on ${data.length} labelled prompts from ${DATA} and lib/eval/labelled\n`);
  console.log('(a) confusion matrix');
  console.log(renderConfusion(tierConfusion(data.map((item, index) => ({ labelled: item.tier, predicted: predicted[index]! }))), 'proxy tiers (and our own labels)'));

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
