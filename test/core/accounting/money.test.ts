import fc from 'fast-check';
import { costOf, formatUsd, formatUsdShort, parseUsd } from '../../../lambda/core/accounting/money';
import { PRICE_TABLE } from '../../../lambda/core/accounting/price-table';
import { compilePrice } from '../../../lambda/policy/load-policy';

const usage = fc.record({
  input: fc.nat(2_000_000),
  output: fc.nat(200_000),
  cacheRead: fc.nat(2_000_000),
  cacheWrite: fc.nat(200_000),
});
const nanoPerMillion = fc.bigInt({ min: 0n, max: 100_000_000_000n });

describe('parseUsd and formatUsd', () => {
  it('parses list prices exactly into nano-USD', () => {
    expect(parseUsd('0.035')).toBe(35_000_000n);
    expect(parseUsd('15')).toBe(15_000_000_000n);
    expect(parseUsd('0.01875')).toBe(18_750_000n);
    expect(parseUsd('0.000000001')).toBe(1n);
  });

  it('refuses amounts it cannot hold exactly or that are not amounts', () => {
    for (const text of ['0.0000000001', '-1', '1e-3', '', '.5', '01', '1.', 'NaN', ' 1']) {
      expect(() => parseUsd(text)).toThrow(RangeError) /* text */;
    }
  });

  it('round-trips every nano-USD amount through its decimal string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }), (nano) => {
        expect(parseUsd(formatUsd(nano))).toBe(nano);
      }),
    );
  });

  it('formats with nine decimals so the header is an exact decimal', () => {
    expect(formatUsd(12_345n)).toBe('0.000012345');
    expect(formatUsd(1_500_000_000n)).toBe('1.500000000');
    expect(formatUsd(-5n)).toBe('-0.000000005');
  });

  it('writes the shortest exact decimal for price rows, and reads back to the same amount', () => {
    expect([4_400_000_000n, 10_000_000_000n, 82_500_000n, 0n].map(formatUsdShort)).toEqual(['4.4', '10', '0.0825', '0']);
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }), (nano) => expect(parseUsd(formatUsdShort(nano))).toBe(nano)));
  });
});

describe('costOf', () => {
  it('prices a known attempt by hand: 1,000 in and 500 out on $3/$15 per million', () => {
    const price = compilePrice({ input: '3', output: '15' });
    expect(costOf({ input: 1000, output: 500, cacheRead: 0, cacheWrite: 0 }, price)).toBe(10_500_000n);
  });

  it('prices one-hour cache writes at their own rate and the rest of the writes at the five-minute rate', () => {
    // Claude Opus 5.5: $4 input, $5 five-minute write, $8 one-hour write.
    const price = compilePrice({ input: '4', output: '20', cacheRead: '0.2', cacheWrite: '5', cacheWrite1h: '8' });
    expect(costOf({ input: 0, output: 0, cacheRead: 0, cacheWrite: 1_000_000, cacheWrite1h: 250_000 }, price)).toBe(750_000n * 5_000n + 250_000n * 8_000n);
    expect(costOf({ input: 0, output: 0, cacheRead: 0, cacheWrite: 1_000_000 }, price)).toBe(5_000_000_000n);
    // A row without a one-hour price bills such writes as writes.
    expect(costOf({ input: 0, output: 0, cacheRead: 0, cacheWrite: 100, cacheWrite1h: 100 }, compilePrice({ input: '3', output: '15', cacheWrite: '3.75' }))).toBe(375_000n);
  });

  it('is the exact rational cost rounded half up, never off by more than half a nano-USD', () => {
    fc.assert(
      fc.property(usage, nanoPerMillion, nanoPerMillion, nanoPerMillion, nanoPerMillion, (tokens, input, output, cacheRead, cacheWrite) => {
        const cost = costOf(tokens, { input, output, cacheRead, cacheWrite, cacheWrite1h: cacheWrite });
        const exactTimesMillion =
          BigInt(tokens.input) * input + BigInt(tokens.output) * output + BigInt(tokens.cacheRead) * cacheRead + BigInt(tokens.cacheWrite) * cacheWrite;
        const errorTimesMillion = cost * 1_000_000n - exactTimesMillion;
        expect(errorTimesMillion).toBeLessThanOrEqual(500_000n);
        expect(errorTimesMillion).toBeGreaterThan(-500_000n);
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
        expect(together - apart <= 1n && apart - together <= 1n).toBeTruthy();
      }),
    );
  });

  it('charges cache reads and writes at the input price when the row names none', () => {
    const price = compilePrice({ input: '2', output: '4' });
    expect(price.cacheRead).toBe(price.input);
    expect(price.cacheWrite).toBe(price.input);
  });
});

describe('costOf at a long-context threshold', () => {
  const sonnet = compilePrice(PRICE_TABLE['bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0']!);

  it('bills a prompt of exactly 200k tokens at the standard rates, and one token more at the long rates on everything', () => {
    // 190,000 input + 10,000 cache read = 200,000: $3 and $0.30 in, $15 out per million.
    const at = { input: 190_000, output: 1_000, cacheRead: 10_000, cacheWrite: 0 };
    expect(costOf(at, sonnet)).toBe(190_000n * 3_000n + 1_000n * 15_000n + 10_000n * 300n);
    // 200,001: $6 and $0.60 in, $22.50 out per million, on the whole request.
    const over = { ...at, input: 190_001 };
    expect(costOf(over, sonnet)).toBe(190_001n * 6_000n + 1_000n * 22_500n + 10_000n * 600n);
  });

  it('prices a geographic profile 10% over the global one, each scope its own row', () => {
    const usage = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000 };
    const global = costOf(usage, compilePrice(PRICE_TABLE['bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0']!));
    const us = costOf(usage, compilePrice(PRICE_TABLE['bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0']!));
    expect(us * 10n).toBe(global * 11n);
  });
});
