import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lambda/core/errors';
import { rollupDay } from '../../lambda/handlers/rollup';

describe('rollupDay', () => {
  const now = Date.parse('2026-03-29T00:15:00Z');
  it('reads today, yesterday and explicit days in UTC', () => {
    assert.equal(rollupDay(undefined, now), '2026-03-29');
    assert.equal(rollupDay('today', now), '2026-03-29');
    assert.equal(rollupDay('yesterday', now), '2026-03-28');
    assert.equal(rollupDay('2026-01-02', now), '2026-01-02');
  });

  it('names a day it cannot read', () => {
    assert.throws(() => rollupDay('last tuesday', now), (error: unknown) => error instanceof ConfigError && /"last tuesday"/.test(error.message));
  });
});
