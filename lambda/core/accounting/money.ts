/**
 * Money is integer nano-USD (1e-9 USD) held in `bigint`. No floating point
 * touches a price or a cost anywhere in Switchyard.
 */
import type { TokenUsage } from '../model/usage';

export type NanoUsd = bigint;

const NANO_DIGITS = 9;
const NANO_PER_USD = 10n ** BigInt(NANO_DIGITS);
const TOKENS_PER_PRICE_UNIT = 1_000_000n;
const USD_DECIMAL = /^(0|[1-9]\d{0,8})(?:\.(\d{1,9}))?$/;

/**
 * Parses a non-negative USD amount written as a decimal string ("0.035",
 * "15", "0.01875") into nano-USD exactly. More than nine decimals would not be
 * exact, so they are refused rather than rounded.
 */
export function parseUsd(text: string): NanoUsd {
  const match = USD_DECIMAL.exec(text);
  if (!match) {
    throw new RangeError(`"${text}" is not a USD amount: write a decimal like "0.035" with at most 9 decimals`);
  }
  const [, whole, fraction = ''] = match;
  return BigInt(whole!) * NANO_PER_USD + BigInt(fraction.padEnd(NANO_DIGITS, '0'));
}

/** Formats nano-USD as an exact decimal string with nine decimals: 12345n -> "0.000012345". */
export function formatUsd(nano: NanoUsd): string {
  const sign = nano < 0n ? '-' : '';
  const magnitude = nano < 0n ? -nano : nano;
  const whole = magnitude / NANO_PER_USD;
  const fraction = (magnitude % NANO_PER_USD).toString().padStart(NANO_DIGITS, '0');
  return `${sign}${whole}.${fraction}`;
}

/** The shortest exact decimal, as price rows are written: 4400000000n -> "4.4", 10000000000n -> "10". */
export function formatUsdShort(nano: NanoUsd): string {
  return formatUsd(nano).replace(/\.?0+$/, '');
}

/** `percent`% of an amount, rounded half up: a 5% markup on a bill. */
export function percentageOf(amount: NanoUsd, percent: bigint): NanoUsd {
  return (amount * percent + 50n) / 100n;
}

/** The rates of one model, in nano-USD per million tokens. */
export interface TokenRates {
  readonly input: NanoUsd;
  readonly output: NanoUsd;
  readonly cacheRead: NanoUsd;
  /** A cache write that lives five minutes (the default lifetime). */
  readonly cacheWrite: NanoUsd;
  /** A cache write that lives an hour. */
  readonly cacheWrite1h: NanoUsd;
}

/** List prices of one model: its rates, and the dearer ones a long prompt pays on the whole request. */
export interface ModelPrice extends TokenRates {
  /** Rates for a request whose prompt (input plus cached tokens) is over `aboveInputTokens`. */
  readonly longContext?: TokenRates & { readonly aboveInputTokens: number };
}

/**
 * The cost of one attempt. Each part is priced exactly and the sum is divided
 * once, rounding half up to a whole nano-USD, so the rounding error is below
 * half a nano-USD per attempt and never accumulates across parts.
 */
export function costOf(usage: TokenUsage, price: ModelPrice): NanoUsd {
  const rates = ratesFor(usage, price);
  const oneHour = Math.min(usage.cacheWrite1h ?? 0, usage.cacheWrite);
  const scaled =
    BigInt(usage.input) * rates.input +
    BigInt(usage.output) * rates.output +
    BigInt(usage.cacheRead) * rates.cacheRead +
    BigInt(usage.cacheWrite - oneHour) * rates.cacheWrite +
    BigInt(oneHour) * rates.cacheWrite1h;
  return (scaled + TOKENS_PER_PRICE_UNIT / 2n) / TOKENS_PER_PRICE_UNIT;
}

/** The rates a request pays: past a long-context threshold, the long rates apply to all of it, as providers bill. */
export function ratesFor(usage: TokenUsage, price: ModelPrice): TokenRates {
  const long = price.longContext;
  return long !== undefined && usage.input + usage.cacheRead + usage.cacheWrite > long.aboveInputTokens ? long : price;
}

/** What the worst case reads of a model (a `ModelSpec` has both). */
interface ModelSpecLike {
  readonly maxOutputTokens: number;
  readonly price: ModelPrice;
}

/**
 * The most one call to `model` can cost: `inputTokenBound` input tokens (from
 * `maxInputTokens`) at the dearest input price (a cache write can cost more
 * than plain input), and the whole output budget. A `block` budget reserves
 * exactly this, and `POST /v1/route` quotes it as `estimated_max_cost_usd`.
 */
export function worstCaseAttemptCost(model: ModelSpecLike, inputTokenBound: number, maxTokens: number): NanoUsd {
  const usage = { input: inputTokenBound, output: Math.min(maxTokens, model.maxOutputTokens), cacheRead: 0, cacheWrite: 0 };
  // Past a long-context threshold the dearer rates apply to everything.
  const rates = ratesFor(usage, model.price);
  const dearest = [rates.input, rates.cacheRead, rates.cacheWrite, rates.cacheWrite1h].reduce((max, price) => (price > max ? price : max));
  return costOf(usage, { ...rates, input: dearest });
}
