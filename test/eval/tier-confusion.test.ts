import { renderConfusion, tierConfusion } from '../../lib/eval/tier-confusion';

describe('tier confusion', () => {
  it('counts recall, precision, macro-F1 and under-routing over the labelled tiers only', () => {
    const confusion = tierConfusion([
      { labelled: 3, predicted: 3 },
      { labelled: 3, predicted: 1 },
      { labelled: 0, predicted: 0 },
      { labelled: 1, predicted: 3 },
    ]);
    expect(confusion.matrix[3]).toEqual([0, 1, 0, 1]);
    expect(confusion.recall.get(3)).toBe(0.5);
    expect(confusion.precision.get(3)).toBe(0.5);
    expect(confusion.recall.has(2)).toBe(false);
    expect([confusion.underRouted, confusion.hard]).toEqual([1, 2]);
    // F1: tier 0 is 1, tier 1 is 0 (its one prompt went to tier 3), tier 3 is 0.5.
    expect(confusion.macroF1).toBeCloseTo(0.5, 10);
    expect(renderConfusion(confusion, 'labels')).toContain('under-routed (tier 2-3 predicted 0-1): 1 of 2 (50.0%)');
  });
});
