import { apgr, callsForPerformance, oracleQuality, quantile, randomQuality, routingCurve, summarise, type ScoredOutcome } from '../../lib/eval/routing-metrics';
import { routingPlot } from '../../lib/eval/routing-plot';

/** Two prompts only the strong model gets right, scored high; two both get right, scored low. */
const PERFECT: ScoredOutcome[] = [
  { score: 1, strong: 1, weak: 0 },
  { score: 1, strong: 1, weak: 0 },
  { score: 0, strong: 1, weak: 1 },
  { score: 0, strong: 1, weak: 1 },
];

describe('routing metrics, as RouteLLM defines them', () => {
  it('sweeps thresholds at the edges of equal-count bins of the scores; the last edge sends nothing', () => {
    expect(routingCurve(PERFECT, 2)).toEqual([
      { threshold: 0, strongShare: 1, quality: 1 },
      { threshold: 0.5, strongShare: 0.5, quality: 1 },
      { threshold: 1, strongShare: 0, quality: 0.5 },
    ]);
  });

  it('computes APGR and CPT by hand-checked trapezoids and interpolation', () => {
    const points = routingCurve(PERFECT, 2);
    // Area 0.875 against the weak model's 0.5 and the strong model's 1.
    expect(apgr(points, 1, 0.5)).toBeCloseTo(0.75, 10);
    expect(callsForPerformance(points, 0.5, 1, 0.5)).toBeCloseTo(0.25, 10);
    expect(callsForPerformance(points, 0.8, 1, 0.5)).toBeCloseTo(0.4, 10);
    expect(callsForPerformance([{ threshold: 0, strongShare: 0, quality: 0.5 }, { threshold: 1, strongShare: 1, quality: 0.6 }], 0.8, 1, 0.5)).toBeUndefined();
  });

  it('gives a router that cannot tell prompts apart the random router\'s APGR of 0.5', () => {
    const flat = PERFECT.map((item) => ({ ...item, score: 0.3 }));
    expect(summarise(flat).apgr).toBeCloseTo(0.5, 10);
    expect(randomQuality(0.25, 1, 0.5)).toBe(0.625);
  });

  it('knows the oracle: strong calls go only where only the strong model is right', () => {
    expect(oracleQuality(PERFECT, 0.5)).toBe(1);
    expect(oracleQuality(PERFECT, 0.25)).toBe(0.75);
    expect(oracleQuality(PERFECT, 0)).toBe(0.5);
  });

  it('interpolates quantiles linearly, as numpy does by default', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
  });
});

describe('the routing plot', () => {
  it('draws the router, the random router and the oracle as paths, with a marker per point, in a standalone SVG', () => {
    const summary = summarise(PERFECT, 2);
    const svg = routingPlot('Perfect <test>', summary, (share) => oracleQuality(PERFECT, share));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path [^>]*class="(router|random|oracle)"/g)!.map((tag) => /class="(\w+)"/.exec(tag)![1])).toEqual(['random', 'oracle', 'router']);
    expect(svg.match(/<circle /g)).toHaveLength(summary.points.length);
    expect(svg).toContain('Perfect &lt;test&gt;');
    expect(svg).toContain('router (APGR 0.750)');
  });
});
