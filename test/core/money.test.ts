import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { costOf, formatUsd, parseUsd } from '../../lambda/core/money';
import { PRICE_TABLE } from '../../lambda/core/price-table';
import { compilePrice } from '../../lambda/core/policy';

const usage = fc.record({
  input: fc.nat(2_000_000),
  output: fc.nat(200_000),
  cacheRead: fc.nat(2_000_000),
  cacheWrite: fc.nat(200_000),
});
const nanoPerMillion = fc.bigInt({ min: 0n, max: 100_000_000_000n });

describe('parseUsd and formatUsd', () => {
  it('parses list prices exactly into nano-USD', () => {
    assert.equal(parseUsd('0.035'), 35_000_000n);
    assert.equal(parseUsd('15'), 15_000_000_000n);
    assert.equal(parseUsd('0.01875'), 18_750_000n);
    assert.equal(parseUsd('0.000000001'), 1n);
  });

  it('refuses amounts it cannot hold exactly or that are not amounts', () => {
    for (const text of ['0.0000000001', '-1', '1e-3', '', '.5', '01', '1.', 'NaN', ' 1']) {
      assert.throws(() => parseUsd(text), RangeError, text);
    }
  });

  it('round-trips every nano-USD amount through its decimal string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }), (nano) => {
        assert.equal(parseUsd(formatUsd(nano)), nano);
      }),
    );
  });

  it('formats with nine decimals so the header is an exact decimal', () => {
    assert.equal(formatUsd(12_345n), '0.000012345');
    assert.equal(formatUsd(1_500_000_000n), '1.500000000');
    assert.equal(formatUsd(-5n), '-0.000000005');
  });
});

describe('costOf', () => {
  it('prices a known attempt by hand: 1,000 in and 500 out on $3/$15 per million', () => {
    const price = compilePrice({ input: '3', output: '15' });
    assert.equal(costOf({ input: 1000, output: 500, cacheRead: 0, cacheWrite: 0 }, price), 10_500_000n);
  });

  it('is the exact rational cost rounded half up, never off by more than half a nano-USD', () => {
    fc.assert(
      fc.property(usage, nanoPerMillion, nanoPerMillion, nanoPerMillion, nanoPerMillion, (tokens, input, output, cacheRead, cacheWrite) => {
        const cost = costOf(tokens, { input, output, cacheRead, cacheWrite });
        const exactTimesMillion =
          BigInt(tokens.input) * input + BigInt(tokens.output) * output + BigInt(tokens.cacheRead) * cacheRead + BigInt(tokens.cacheWrite) * cacheWrite;
        const errorTimesMillion = cost * 1_000_000n - exactTimesMillion;
        assert.ok(errorTimesMillion <= 500_000n && errorTimesMillion > -500_000n, `rounding error ${errorTimesMillion}/1e6`);
      }),
    );
  });

  it('is additive in tokens up to the rounding of each part', () => {
    fc.assert(
      fc.property(usage, usage, (first, second) => {
        const price = compilePrice(PRICE_TABLE['bedrock/amazon.nova-micro-v1:0']!);
        const together = costOf(
          {
            input: first.input + second.input,
            output: first.output + second.output,
            cacheRead: first.cacheRead + second.cacheRead,
            cacheWrite: first.cacheWrite + second.cacheWrite,
          },
          price,
        );
        const apart = costOf(first, price) + costOf(second, price);
        assert.ok(together - apart <= 1n && apart - together <= 1n);
      }),
    );
  });

  it('charges cache reads and writes at the input price when the row names none', () => {
    const price = compilePrice({ input: '2', output: '4' });
    assert.equal(price.cacheRead, price.input);
    assert.equal(price.cacheWrite, price.input);
  });
});
