/**
 * Quality against the share of strong calls, as a self-contained SVG: the
 * router's curve, the random router's line, the oracle's curve, and the two
 * models alone. No dependencies, readable offline.
 */
import { randomQuality, type RoutingSummary } from './routing-metrics';

const WIDTH = 640;
const HEIGHT = 420;
const MARGIN = { left: 60, right: 20, top: 40, bottom: 50 };

export function routingPlot(title: string, summary: RoutingSummary, oracle: (share: number) => number): string {
  const { strongQuality, weakQuality } = summary;
  const oracleShares = Array.from({ length: 21 }, (_, index) => index / 20);
  const qualities = [weakQuality, strongQuality, ...summary.points.map((point) => point.quality), ...oracleShares.map(oracle)];
  const low = Math.floor(Math.min(...qualities) * 20) / 20;
  const high = Math.ceil(Math.max(...qualities) * 20) / 20;
  const x = (share: number) => MARGIN.left + share * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (quality: number) => HEIGHT - MARGIN.bottom - ((quality - low) / (high - low || 1)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const path = (points: readonly (readonly [number, number])[]) => points.map(([share, quality], index) => `${index === 0 ? 'M' : 'L'}${x(share).toFixed(1)},${y(quality).toFixed(1)}`).join(' ');
  const router = [...summary.points].sort((a, b) => a.strongShare - b.strongShare).map((point) => [point.strongShare, point.quality] as const);
  const line = (quality: number, colour: string, label: string) =>
    `<line x1="${x(0)}" x2="${x(1)}" y1="${y(quality).toFixed(1)}" y2="${y(quality).toFixed(1)}" stroke="${colour}" stroke-dasharray="4 4"/>` +
    `<text x="${x(1) - 4}" y="${(y(quality) - 4).toFixed(1)}" text-anchor="end" fill="${colour}">${label} ${quality.toFixed(3)}</text>`;
  const ticks = Array.from({ length: 6 }, (_, index) => index / 5);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    `<line x1="${x(0)}" y1="${y(low)}" x2="${x(1)}" y2="${y(low)}" stroke="black"/>`,
    `<line x1="${x(0)}" y1="${y(low)}" x2="${x(0)}" y2="${y(high)}" stroke="black"/>`,
    ...ticks.map((share) => `<text x="${x(share)}" y="${y(low) + 18}" text-anchor="middle">${Math.round(share * 100)}%</text>`),
    ...ticks.map((step) => {
      const quality = low + step * (high - low);
      return `<text x="${x(0) - 6}" y="${y(quality) + 4}" text-anchor="end">${quality.toFixed(2)}</text>`;
    }),
    `<text x="${WIDTH / 2}" y="${HEIGHT - 10}" text-anchor="middle">calls to the strong model</text>`,
    `<text transform="translate(16 ${HEIGHT / 2}) rotate(-90)" text-anchor="middle">quality (mean outcome)</text>`,
    line(strongQuality, '#c0392b', 'strong alone'),
    line(weakQuality, '#7f8c8d', 'weak alone'),
    `<path d="${path([[0, randomQuality(0, strongQuality, weakQuality)], [1, randomQuality(1, strongQuality, weakQuality)]])}" stroke="#95a5a6" fill="none" class="random"/>`,
    `<path d="${path(oracleShares.map((share) => [share, oracle(share)] as const))}" stroke="#27ae60" fill="none" class="oracle"/>`,
    `<path d="${path(router)}" stroke="#2c3e50" stroke-width="2" fill="none" class="router"/>`,
    ...router.map(([share, quality]) => `<circle cx="${x(share).toFixed(1)}" cy="${y(quality).toFixed(1)}" r="3" fill="#2c3e50"/>`),
    `<text x="${x(0) + 8}" y="${MARGIN.top + 10}" fill="#2c3e50">router (APGR ${summary.apgr.toFixed(3)})</text>`,
    `<text x="${x(0) + 8}" y="${MARGIN.top + 26}" fill="#95a5a6">random (APGR 0.500)</text>`,
    `<text x="${x(0) + 8}" y="${MARGIN.top + 42}" fill="#27ae60">oracle</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
