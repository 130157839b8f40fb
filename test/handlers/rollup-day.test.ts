import { rollupDay } from '../../lambda/handlers/rollup';

describe('rollupDay', () => {
  const now = Date.parse('2026-03-29T00:15:00Z');
  it('reads today, yesterday and explicit days in UTC', () => {
    expect(rollupDay(undefined, now)).toBe('2026-03-29');
    expect(rollupDay('today', now)).toBe('2026-03-29');
    expect(rollupDay('yesterday', now)).toBe('2026-03-28');
    expect(rollupDay('2026-01-02', now)).toBe('2026-01-02');
  });

  it('names a day it cannot read', () => {
    expect(() => rollupDay('last tuesday', now)).toThrow(/"last tuesday"/);
  });
});
