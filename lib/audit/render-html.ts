/**
 * The audit as one self-contained HTML page: no scripts, fonts or images to
 * fetch, so it reads the same offline, mailed, or opened from a bucket. The
 * charts are inline SVG drawn here from the audit's exact figures; every
 * total on the page is the JSON output's, formatted.
 */
import { basename } from 'node:path';
import { parseUsd } from '../../lambda/core/accounting/money';
import type { AuditResult, ShapeLine } from './audit';
import { percentOf } from '../../lambda/core/accounting/usage-report';
import { dollars } from './format';
import type { AuditRun } from './render-text';

const TIER_NAMES: Record<string, string> = { '0': 'tier 0 trivial', '1': 'tier 1 standard', '2': 'tier 2 complex', '3': 'tier 3 high-stakes', untagged: 'untagged' };
const BEFORE = '#8a8f98';
const AFTER = '#2f7d5b';

export function renderHtml(run: AuditRun, generatedAt: string): string {
  const [main, other] = run.results as [AuditResult, AuditResult | undefined];
  const totals: [string, string, string][] = [
    ['today', 'Today, at list prices', dollars(main.cost.today_usd)],
    ['projected', 'Routed by Switchyard', dollars(main.cost.projected_usd)],
    ['saving', 'Saving', `${dollars(main.cost.saving_usd)} (${main.cost.saving_percent}%)`],
    ['markup-5', 'A 5% markup gateway would add', dollars(main.markup['5%'])],
    ['markup-10', 'A 10% markup gateway would add', dollars(main.markup['10%'])],
    ['aws', "Switchyard's own AWS bill", dollars(main.aws.total_usd)],
    ['net', 'Net saving, AWS included', `${dollars(main.net.saving_usd)} (${main.net.saving_percent}%)`],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard cost audit</title>
<style>
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2127; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #e3e5e8; padding-bottom: .3rem; }
  .meta { color: #5b616b; font-size: .9rem; }
  .totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: .8rem; margin-top: 1.2rem; }
  .total { border: 1px solid #e3e5e8; border-radius: 6px; padding: .6rem .8rem; } .total span { display: block; }
  .total .label { color: #5b616b; font-size: .85rem; } .total .value { font-size: 1.2rem; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin-top: .6rem; }
  th, td { text-align: right; padding: .25rem .5rem; border-bottom: 1px solid #eef0f2; } th:first-child, td:first-child { text-align: left; }
  .legend { font-size: .85rem; color: #5b616b; } .swatch { display: inline-block; width: .8rem; height: .8rem; vertical-align: -1px; margin: 0 .3rem 0 .8rem; }
  svg text { font: 12px system-ui, sans-serif; fill: #1d2127; }
  ul { padding-left: 1.2rem; }
</style>
</head>
<body>
<h1>Switchyard cost audit</h1>
<p class="meta">${main.requests.toLocaleString('en-US')} requests from ${run.files.map((file) => escape(basename(file))).join(', ')} (${escape(run.formats.join(', '))}); policy ${escape(main.policy)}; generated ${escape(generatedAt)}.${run.unreadable > 0 ? ` ${run.unreadable.toLocaleString('en-US')} unreadable records left out.` : ''}</p>
<div class="totals">
${totals.map(([key, label, value]) => `  <div class="total"><span class="label">${escape(label)}</span><span class="value" data-total="${key}">${escape(value)}</span></div>`).join('\n')}
</div>
${other ? whatIf(main, other) : ''}
<h2>Tier mix</h2>
${tierMixChart(main)}
<h2>Cost before and after, by tier</h2>
<p class="legend"><span class="swatch" style="background:${BEFORE}"></span>today <span class="swatch" style="background:${AFTER}"></span>routed</p>
${pairedBars(main.shapes.by_tier.map((line) => ({ ...line, key: TIER_NAMES[line.key] ?? line.key })), 'by-tier')}
${main.daily.length > 0 ? `<h2>Daily trend</h2>\n<p class="legend"><span class="swatch" style="background:${BEFORE}"></span>today <span class="swatch" style="background:${AFTER}"></span>routed</p>\n${dailyChart(main.daily)}` : ''}
<h2>What drives the cost</h2>
${shapeTable('By model, as logged (dearest first)', main.shapes.by_model.slice(0, 15))}
${shapeTable('By prompt length (tokens)', main.shapes.by_length)}
<h2>Switchyard's own AWS bill for this traffic</h2>
<table><tr><th>part</th><th>cost</th><th style="text-align:left">basis</th></tr>
${main.aws.lines.map((line) => `<tr><td>${escape(line.part)}</td><td>${dollars(line.usd)}</td><td style="text-align:left">${escape(line.basis)}</td></tr>`).join('\n')}
</table>
<h2>Assumptions</h2>
<ul>
${main.assumptions.map((assumption) => `<li>${escape(assumption)}</li>`).join('\n')}
</ul>
</body>
</html>
`;
}

function whatIf(main: AuditResult, other: AuditResult): string {
  const row = (label: string, pick: (result: AuditResult) => string) => `<tr><td>${escape(label)}</td><td>${escape(pick(main))}</td><td>${escape(pick(other))}</td></tr>`;
  return `<h2>What if: two policies on the same requests</h2>
<table><tr><th></th><th>${escape(main.policy)}</th><th>${escape(other.policy)}</th></tr>
${row('routed (projected)', (result) => dollars(result.cost.projected_usd))}
${row('saving', (result) => `${dollars(result.cost.saving_usd)} (${result.cost.saving_percent}%)`)}
${row('net saving, AWS included', (result) => `${dollars(result.net.saving_usd)} (${result.net.saving_percent}%)`)}
${row('tier mix', (result) => Object.entries(result.tiers).filter(([, count]) => count > 0).map(([tier, count]) => `${tier}: ${percentOf(BigInt(count), BigInt(result.requests))}%`).join(', '))}
</table>`;
}

function tierMixChart(result: AuditResult): string {
  const entries = Object.entries(result.tiers).filter(([, count]) => count > 0);
  const width = 560;
  const rowHeight = 26;
  const most = Math.max(1, ...entries.map(([, count]) => count));
  const bars = entries.map(([tier, count], index) => {
    const length = Math.max(1, Math.round((count / most) * (width - 260)));
    const y = index * rowHeight;
    return `<text x="0" y="${y + 17}">${escape(TIER_NAMES[tier] ?? tier)}</text><rect class="bar" data-series="tiers" x="150" y="${y + 5}" width="${length}" height="16" fill="${AFTER}"></rect><text x="${156 + length}" y="${y + 17}">${count.toLocaleString('en-US')} (${percentOf(BigInt(count), BigInt(result.requests))}%)</text>`;
  });
  return `<svg role="img" aria-label="Tier mix" data-chart="tier-mix" width="${width}" height="${entries.length * rowHeight + 4}">${bars.join('')}</svg>`;
}

export function pairedBars(lines: readonly ShapeLine[], name: string): string {
  const width = 640;
  const rowHeight = 44;
  const most = largest(lines.flatMap((line) => [line.today_usd, line.projected_usd]));
  const span = width - 300;
  const bars = lines.map((line, index) => {
    const y = index * rowHeight;
    const before = Math.max(1, Math.round((amount(line.today_usd) / most) * span));
    const after = Math.max(1, Math.round((amount(line.projected_usd) / most) * span));
    return (
      `<text x="0" y="${y + 24}">${escape(line.key)}</text>` +
      `<rect class="bar" data-series="today" x="150" y="${y + 4}" width="${before}" height="16" fill="${BEFORE}"></rect><text x="${156 + before}" y="${y + 16}">${dollars(line.today_usd)}</text>` +
      `<rect class="bar" data-series="projected" x="150" y="${y + 22}" width="${after}" height="16" fill="${AFTER}"></rect><text x="${156 + after}" y="${y + 34}">${dollars(line.projected_usd)}</text>`
    );
  });
  return `<svg role="img" aria-label="Cost before and after" data-chart="${name}" width="${width}" height="${lines.length * rowHeight + 4}">${bars.join('')}</svg>`;
}

export function dailyChart(days: readonly ShapeLine[]): string {
  const width = 720;
  const height = 220;
  const plot = { left: 70, right: width - 10, top: 10, bottom: height - 30 };
  const most = largest(days.flatMap((day) => [day.today_usd, day.projected_usd]));
  const slot = (plot.right - plot.left) / days.length;
  const barWidth = Math.max(1, Math.floor(slot / 2) - 1);
  const y = (value: number) => plot.bottom - Math.round((value / most) * (plot.bottom - plot.top));
  const bars = days.map((day, index) => {
    const x = plot.left + Math.round(index * slot);
    const before = y(amount(day.today_usd));
    const after = y(amount(day.projected_usd));
    return (
      `<rect class="bar" data-series="daily-today" x="${x}" y="${before}" width="${barWidth}" height="${Math.max(1, plot.bottom - before)}" fill="${BEFORE}"><title>${escape(day.key)}: ${dollars(day.today_usd)} today</title></rect>` +
      `<rect class="bar" data-series="daily-projected" x="${x + barWidth + 1}" y="${after}" width="${barWidth}" height="${Math.max(1, plot.bottom - after)}" fill="${AFTER}"><title>${escape(day.key)}: ${dollars(day.projected_usd)} routed</title></rect>`
    );
  });
  const axis =
    `<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#c5c9cf"></line>` +
    `<text x="0" y="${plot.top + 10}">${dollars(most.toFixed(9))}</text><text x="0" y="${plot.bottom}">$0</text>` +
    `<text x="${plot.left}" y="${height - 8}">${escape(days[0]!.key)}</text><text x="${plot.right}" y="${height - 8}" text-anchor="end">${escape(days[days.length - 1]!.key)}</text>`;
  return `<svg role="img" aria-label="Daily cost" data-chart="daily" width="${width}" height="${height}">${axis}${bars.join('')}</svg>`;
}

function shapeTable(title: string, lines: readonly ShapeLine[]): string {
  return `<h3>${escape(title)}</h3>
<table><tr><th></th><th>requests</th><th>today</th><th>routed</th><th>saving</th></tr>
${lines.map((line) => `<tr><td>${escape(line.key)}</td><td>${line.requests.toLocaleString('en-US')}</td><td>${dollars(line.today_usd)}</td><td>${dollars(line.projected_usd)}</td><td>${dollars(line.saving_usd)}</td></tr>`).join('\n')}
</table>`;
}

/** USD as a number, for drawing only (bars of $0.0100 and $0.0165 differ): every figure shown comes from the exact string. */
const amount = (usd: string) => Number(parseUsd(usd.startsWith('-') ? '0' : usd)) / 1e9;
/** The scale's top: the largest amount drawn, so no bar passes the axis; a tiny positive floor when all are zero. */
const largest = (usds: readonly string[]) => Math.max(1e-9, ...usds.map(amount));

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
