import { isUtcDay, nextUtcMidnight, utcDay } from '../../../lambda/core/base/utc-day';

describe('isUtcDay', () => {
  it('accepts real days and refuses days a calendar does not have', () => {
    expect(isUtcDay('2026-02-28')).toBe(true);
    expect(isUtcDay('2028-02-29')).toBe(true);
    expect(isUtcDay('2026-02-30')).toBe(false);
    expect(isUtcDay('2026-13-01')).toBe(false);
    expect(isUtcDay('2026-2-3')).toBe(false);
  });
});

describe('utcDay and nextUtcMidnight', () => {
  it('name the UTC day and the midnight that ends it', () => {
    const lateOnNewYearsEve = Date.parse('2026-12-31T23:59:59Z');
    expect(utcDay(lateOnNewYearsEve)).toBe('2026-12-31');
    expect(nextUtcMidnight(lateOnNewYearsEve).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
