/** The audit as a terminal reads it: totals first, then what drives them, then the assumptions. */
import { parseUsd } from '../../lambda/core/accounting/money';
import type { AuditResult, ShapeLine } from './audit';
import { percentOf } from '../../lambda/core/accounting/usage-report';
import { counted, dollars } from './format';
import type { WorkedExample } from './worked-example';

export interface AuditRun {
  readonly files: readonly string[];
  readonly formats: readonly string[];
  readonly unreadable: number;
  readonly results: readonly AuditResult[];
}

const TOP = 8;

export function renderAudit(run: AuditRun): string {
  const [main, other] = run.results as [AuditResult, AuditResult | undefined];
  const out: string[] = [];
  const formats = run.formats.length > 0 ? run.formats.join(', ') : 'no request lines found';
  out.push(`Cost audit of ${counted(main.requests, 'request')} (${counted(run.files.length, 'file')}, ${formats}), policy ${main.policy}`);
  const are = (count: number) => (count === 1 ? 'is' : 'are');
  if (run.unreadable > 0) out.push(`${counted(run.unreadable, 'record')} could not be read and ${are(run.unreadable)} left out (see the warnings above).`);
  if (main.unpriced.requests > 0) {
    const unpriced = main.unpriced.requests;
    out.push(`${counted(unpriced, 'more request')} ${are(unpriced)} left out: no list price here for ${main.unpriced.models.join(', ')}. Give each a "price" in the policy's models to count them.`);
  }
  out.push('');
  out.push(`Tier mix: ${tierMix(main)}`);
  out.push('');
  const columns = other ? [main, other] : [main];
  const row = (label: string, pick: (result: AuditResult) => string) => `  ${label.padEnd(46)}${columns.map((result) => pick(result).padStart(18)).join('')}`;
  if (other) out.push(row('', (result) => result.policy));
  out.push(row('today, at list prices', (result) => dollars(result.cost.today_usd)));
  out.push(row('routed by Switchyard (projected)', (result) => dollars(result.cost.projected_usd)));
  out.push(row('  of which verification passes', (result) => dollars(result.cost.verification_usd)));
  out.push(row('saving', (result) => `${dollars(result.cost.saving_usd)} ${result.cost.saving_percent}%`));
  out.push(row('a 5% markup gateway would add', (result) => dollars(result.markup['5%'])));
  out.push(row('a 10% markup gateway would add', (result) => dollars(result.markup['10%'])));
  out.push(row("Switchyard's own AWS bill for this traffic", (result) => dollars(result.aws.total_usd)));
  for (const [index, line] of main.aws.lines.entries()) out.push(row(`  ${line.part}`, (result) => dollars(result.aws.lines[index]!.usd)));
  out.push(row('net saving, AWS included', (result) => `${dollars(result.net.saving_usd)} ${result.net.saving_percent}%`));
  out.push(row('Managed Instances cost less above', (result) => `${result.managed_instances_break_even_requests_per_month.toLocaleString('en-US')} requests a month`));
  out.push('');
  out.push(...shapes('By model (as logged), dearest first', main.shapes.by_model.slice(0, TOP)));
  out.push(...shapes('By tier', main.shapes.by_tier));
  out.push(...shapes('By prompt length (tokens)', main.shapes.by_length));
  if (main.daily.length > 0) {
    const days = main.daily;
    out.push(`Daily: ${days.length} day${days.length === 1 ? '' : 's'}, ${days[0]!.key} to ${days[days.length - 1]!.key}; the dearest: ${[...days].sort((a, b) => (parseUsd(b.today_usd) > parseUsd(a.today_usd) ? 1 : -1))[0]!.key}`);
    out.push('');
  }
  out.push('Assumptions:');
  for (const assumption of main.assumptions) out.push(`  - ${assumption}`);
  return out.join('\n');
}

function tierMix(result: AuditResult): string {
  const total = result.requests;
  return Object.entries(result.tiers)
    .filter(([, count]) => count > 0)
    .map(([tier, count]) => `${tier === 'untagged' ? 'untagged' : `tier ${tier}`} ${percentOf(BigInt(count), BigInt(total))}%`)
    .join(', ');
}

function shapes(title: string, lines: readonly ShapeLine[]): string[] {
  if (lines.length === 0) return [];
  const width = Math.min(48, Math.max(...lines.map((line) => line.key.length), 10));
  const label = (key: string) => (key.length > width ? `…${key.slice(key.length - width + 1)}` : key.padEnd(width));
  return [
    `${title}:`,
    `  ${''.padEnd(width)}  ${'requests'.padStart(10)}  ${'today'.padStart(14)}  ${'routed'.padStart(14)}  ${'saving'.padStart(14)}`,
    ...lines.map(
      (line) =>
        `  ${label(line.key)}  ${line.requests.toLocaleString('en-US').padStart(10)}  ${dollars(line.today_usd).padStart(14)}  ${dollars(line.projected_usd).padStart(14)}  ${dollars(line.saving_usd).padStart(14)}`,
    ),
    '',
  ];
}

export function renderExample(example: WorkedExample): string {
  const inputs = example.inputs;
  return [
    'The standard worked example',
    `  ${inputs.requestsPerMonth.toLocaleString('en-US')} requests a month x ${inputs.tokensPerRequest} tokens at $${inputs.flagshipPerMillion} per million (blended), all on the flagship: ${dollars(example.all_flagship_usd)} a month`,
    `  Routed: ${inputs.cheapPercent}% on a $${inputs.cheapPerMillion}-per-million tier ${dollars(example.routed.cheap_usd)}, ${inputs.flagshipPercent}% on the flagship ${dollars(example.routed.flagship_usd)}, ` +
      `${inputs.verifiedPercent}% on the flagship with a verification pass costing ${inputs.verificationPercent}% more ${dollars(example.routed.verified_usd)}: ${dollars(example.routed.total_usd)} a month`,
    `  Saving: ${dollars(example.saving_usd)} a month (${example.saving_percent}%)`,
    `  A 5% markup gateway adds ${dollars(example.markup['5%'])} a month to the routed bill; a 10% one ${dollars(example.markup['10%'])}`,
    '',
    `With Switchyard's own AWS bill for the same ${inputs.requestsPerMonth.toLocaleString('en-US')} requests (model latency ${inputs.modelLatencyMs} ms, ${inputs.fallbackPercent}% falling back):`,
    // Parts the example does not use (shadow traffic) cost nothing: the JSON has them.
    ...example.aws.lines.filter((line) => line.usd !== '0.000000000').map((line) => `  ${line.part.padEnd(42)} ${dollars(line.usd).padStart(10)}   (${line.basis})`),
    `  ${'total'.padEnd(42)} ${dollars(example.aws.total_usd).padStart(10)}   (${example.aws.share_of_routed_percent}% of the routed model bill)`,
    `  Net saving: ${dollars(example.net_saving_usd)} a month (${example.net_saving_percent}% of the all-flagship bill), with no markup.`,
    '',
    `Lambda Managed Instances would run the router for less above ${example.managed_instances.break_even_requests_per_month.toLocaleString('en-US')} requests a month (a fleet of ${dollars(example.managed_instances.fleet_monthly_usd)} a month), assuming:`,
    ...example.managed_instances.assumptions.map((assumption) => `  - ${assumption}`),
  ].join('\n');
}
