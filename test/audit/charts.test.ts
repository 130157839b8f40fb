/** The audit report's charts draw amounts to scale, fractions of a cent included, with the axis at the largest bar. */
import { dailyChart, pairedBars } from '../../lib/audit/render-html';

const line = (key: string, today: string, projected: string) => ({ key, requests: 1, today_usd: today, projected_usd: projected, saving_usd: '0' });
const widths = (svg: string, series: string) => [...svg.matchAll(new RegExp(`data-series="${series}" x="\\d+" y="\\d+" width="(\\d+)"`, 'g'))].map((match) => Number(match[1]));

describe('the audit report charts', () => {
  it('draws bars of $0.0100, $0.0113 and $0.0165 at their own widths, the largest across the whole span', () => {
    const svg = pairedBars([line('a', '0.0100', '0.005'), line('b', '0.0113', '0.005'), line('c', '0.0165', '0.005')], 'test');
    // The span is 340 pixels: 0.0100 / 0.0165 of it, 0.0113 / 0.0165 of it, all of it.
    expect(widths(svg, 'today')).toEqual([206, 233, 340]);
  });

  it('tops the daily axis at the largest day, so no bar passes it', () => {
    const svg = dailyChart([line('2026-12-01', '0.0100', '0.0040'), line('2026-12-02', '0.0165', '0.0050')]);
    expect(svg).toContain('>$0.0165</text>');
    const tops = [...svg.matchAll(/data-series="daily-(?:today|projected)" x="\d+" y="(\d+)"/g)].map((match) => Number(match[1]));
    expect(Math.min(...tops)).toBe(10);
  });
});
