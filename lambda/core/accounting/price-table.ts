/**
 * List prices, USD per million tokens, exactly as the providers publish them.
 * No markup is ever added. Each row says where and when it was read; update
 * the row (and its `asOf`) when a provider changes a price. Keys are policy
 * model ids (`<provider>/<provider model id>`).
 */
import { formatUsdShort, parseUsd } from './money';

export interface PriceRow {
  readonly input: string;
  readonly output: string;
  /** Cached input read; defaults to `input` when the provider has no discount. */
  readonly cacheRead?: string;
  /** Cache write (prompt caching, 5-minute TTL); defaults to `input`. */
  readonly cacheWrite?: string;
  /** Cache write with a one-hour TTL (Claude); defaults to `cacheWrite`. */
  readonly cacheWrite1h?: string;
  /** Dearer rates the whole request pays once its prompt (input plus cached tokens) is over `aboveInputTokens`. */
  readonly longContext?: {
    readonly aboveInputTokens: number;
    readonly input: string;
    readonly output: string;
    readonly cacheRead?: string;
    readonly cacheWrite?: string;
    readonly cacheWrite1h?: string;
  };
  readonly source: string;
  readonly asOf: string;
}

/*
 * Cache prices as each provider lists them, checked 2026-11-27 (Claude 5.x on 2026-12-05):
 * - Claude (Anthropic list prices, also what Bedrock's global profiles bill): a 5-minute cache write
 *   is 1.25x input and a one-hour write 2x input; a cache read is 0.1x input up to Claude 4.5 and
 *   is listed per model from 5.x on (0.05x on Opus 5.5).
 * - Amazon Nova on Bedrock: a cache read is 0.25x input; a cache write has no surcharge and bills as
 *   input (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html).
 * - Reasoning tokens (OpenAI's reasoning_tokens, Claude's thinking) are output tokens in every provider's
 *   usage and bill at the output rate, so the output rate is theirs too.
 * - OpenAI and Gemini cache on their own and list a cached-input price: 0.1x input on GPT-5 and
 *   Gemini 2.5, 0.25x on GPT-4.1. The first, uncached pass is plain input, so cacheWrite is input.
 *   (Gemini's explicit caches also bill storage by the hour, which no request's usage carries.)
 */
const BEDROCK = 'https://aws.amazon.com/bedrock/pricing/ (AWS Price List API, us-east-1 on-demand)';
const ANTHROPIC = 'https://platform.claude.com/docs/en/about-claude/pricing (Bedrock global profiles bill at these prices)';
const CROSS_REGION = 'https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html';
const OPENAI = 'https://platform.openai.com/docs/pricing';
const GEMINI = 'https://ai.google.dev/gemini-api/docs/pricing';
/*
 * Scope. Claude 4.5 on Bedrock costs Anthropic's list price through a `global.` inference profile;
 * a geographic profile (`us.`, `eu.`) costs about 10% more on every rate ("Global cross-Region
 * inference ... offers approximately 10% savings on both input and output token pricing compared to
 * geographic cross-Region inference"), which the rows below carry. The model id names the scope, so
 * each scope is its own row. Other geographies (`apac.`, `jp.`, `au.`) need a `price` in the policy.
 */
const BEDROCK_GEOGRAPHIC =
  'https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html (geographic profiles: global price plus 10%)';
/** Claude Sonnet 4.5 bills a whole request at these rates once its prompt passes 200k tokens (the 1M-context beta). */
const SONNET_LONG = { aboveInputTokens: 200_000, input: '6', output: '22.5', cacheRead: '0.6', cacheWrite: '7.5', cacheWrite1h: '12' };
const SONNET_GEOGRAPHIC: PriceRow = {
  input: '3.3',
  output: '16.5',
  cacheRead: '0.33',
  cacheWrite: '4.125',
  cacheWrite1h: '6.6',
  longContext: { aboveInputTokens: 200_000, input: '6.6', output: '24.75', cacheRead: '0.66', cacheWrite: '8.25', cacheWrite1h: '13.2' },
  source: BEDROCK_GEOGRAPHIC,
  asOf: '2026-11-27',
};

/** Claude 5.x rates on Anthropic's model pages, which Bedrock's `global.` profiles bill (the geographic ones 10% more). */
const CLAUDE_5: Readonly<Record<string, Omit<PriceRow, 'asOf'> & { readonly asOf: string }>> = {
  // https://platform.claude.com/docs/en/models/opus-5-5/overview (Pricing): $4 in, $20 out, $5 and $8 writes, $0.20 hits.
  'claude-opus-5-5': { input: '4', output: '20', cacheRead: '0.2', cacheWrite: '5', cacheWrite1h: '8', source: 'https://platform.claude.com/docs/en/models/opus-5-5/overview', asOf: '2026-12-05' },
  // https://platform.claude.com/docs/en/models/sonnet-5-5/overview: $2 in, $10 out, $2.50 and $4 writes, $0.20 hits
  // (three cost trackers report hits cut to $0.10 on 2026-10-07; the page read here does not show it: see docs/models.md).
  'claude-sonnet-5-5': { input: '2', output: '10', cacheRead: '0.2', cacheWrite: '2.5', cacheWrite1h: '4', source: 'https://platform.claude.com/docs/en/models/sonnet-5-5/overview', asOf: '2026-12-05' },
  // https://platform.claude.com/docs/en/models/haiku-5-5/overview: $0.10 in and $0.50 out for prompts up to 100,000 tokens,
  // five times that over, on the whole request; writes $0.125 and $0.20; hits 0.1x input.
  'claude-haiku-5-5': {
    input: '0.1',
    output: '0.5',
    cacheRead: '0.01',
    cacheWrite: '0.125',
    cacheWrite1h: '0.2',
    longContext: { aboveInputTokens: 100_000, input: '0.5', output: '2.5', cacheRead: '0.05', cacheWrite: '0.625', cacheWrite1h: '1' },
    source: 'https://platform.claude.com/docs/en/models/haiku-5-5/overview',
    asOf: '2026-12-05',
  },
  // https://platform.claude.com/docs/en/models/overview: $8 in, $40 out; writes at 1.25x and 2x input; hits $0.20.
  'claude-fable-5-2': { input: '8', output: '40', cacheRead: '0.2', cacheWrite: '10', cacheWrite1h: '16', source: 'https://platform.claude.com/docs/en/models/overview', asOf: '2026-12-05' },
};

/** Claude 5.x on Bedrock: inference profiles only (no `-v1:0` suffix), global at list price, each geography 10% over it. */
const CLAUDE_5_ON_BEDROCK: Readonly<Record<string, PriceRow>> = Object.fromEntries(
  Object.entries(CLAUDE_5).flatMap(([name, row]) => [
    [`bedrock/global.anthropic.${name}`, row],
    ...['us', 'eu', 'jp', 'au'].map((geography) => [`bedrock/${geography}.anthropic.${name}`, { ...geographic(row), source: `${row.source}; ${BEDROCK_GEOGRAPHIC}` }]),
  ]),
);

/** Every rate of a row 10% dearer, exactly: what a geographic inference profile bills over the global one. */
function geographic(row: PriceRow): PriceRow {
  const plus10 = (usd: string | undefined) => (usd === undefined ? undefined : formatUsdShort((parseUsd(usd) * 11n) / 10n));
  const rates = <R extends Partial<Record<'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h', string>>>(part: R) =>
    Object.fromEntries(Object.entries(part).map(([key, value]) => [key, typeof value === 'string' ? plus10(value) : value])) as R;
  const { longContext, source, asOf, ...flat } = row;
  return { ...rates(flat), ...(longContext ? { longContext: { ...rates(longContext), aboveInputTokens: longContext.aboveInputTokens } } : {}), source, asOf };
}

/** Nova 2 Lite: cross-Region inference only; the geographic profiles' price, and the global profile's (10% less). */
const NOVA_2_LITE: PriceRow = { input: '0.33', output: '2.75', cacheRead: '0.0825', cacheWrite: '0.33', source: `${BEDROCK} (Amazon Nova 2 Lite, geographic profiles)`, asOf: '2026-09-01' };

const LISTED: Readonly<Record<string, PriceRow>> = {
  ...CLAUDE_5_ON_BEDROCK,
  'bedrock/global.amazon.nova-2-lite-v1:0': { input: '0.3', output: '2.5', cacheRead: '0.075', cacheWrite: '0.3', source: `${BEDROCK_GEOGRAPHIC} (Amazon Nova 2 Lite, global profile)`, asOf: '2026-09-01' },
  'bedrock/us.amazon.nova-2-lite-v1:0': NOVA_2_LITE,
  'bedrock/eu.amazon.nova-2-lite-v1:0': NOVA_2_LITE,
  'bedrock/jp.amazon.nova-2-lite-v1:0': NOVA_2_LITE,
  // OpenAI's open-weight models on Bedrock (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-openai.html for the ids); no prompt caching.
  'bedrock/openai.gpt-oss-20b-1:0': { input: '0.07', output: '0.3', source: `${BEDROCK} (gpt-oss-20b)`, asOf: '2026-12-05' },
  'bedrock/openai.gpt-oss-120b-1:0': { input: '0.15', output: '0.6', source: `${BEDROCK} (gpt-oss-120b)`, asOf: '2026-12-05' },
  // Claude 3.5 Haiku, past its Bedrock end of life (2026-06-19): kept so that a policy that still names it is priced, and warned about.
  'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0': { input: '0.8', output: '4', cacheRead: '0.08', cacheWrite: '1', source: `${BEDROCK} (Claude 3.5 Haiku, us-west-2)`, asOf: '2026-06-01' },
  'bedrock/amazon.nova-micro-v1:0': { input: '0.035', output: '0.14', cacheRead: '0.00875', cacheWrite: '0.035', source: BEDROCK, asOf: '2026-09-01' },
  'bedrock/amazon.nova-lite-v1:0': { input: '0.06', output: '0.24', cacheRead: '0.015', cacheWrite: '0.06', source: BEDROCK, asOf: '2026-09-01' },
  'bedrock/amazon.nova-pro-v1:0': { input: '0.8', output: '3.2', cacheRead: '0.2', cacheWrite: '0.8', source: BEDROCK, asOf: '2026-09-01' },
  'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0': {
    input: '1',
    output: '5',
    cacheRead: '0.1',
    cacheWrite: '1.25',
    cacheWrite1h: '2',
    source: ANTHROPIC,
    asOf: '2026-11-27',
  },
  'bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0': {
    input: '3',
    output: '15',
    cacheRead: '0.3',
    cacheWrite: '3.75',
    cacheWrite1h: '6',
    longContext: SONNET_LONG,
    source: ANTHROPIC,
    asOf: '2026-11-27',
  },
  'bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0': { input: '1.1', output: '5.5', cacheRead: '0.11', cacheWrite: '1.375', cacheWrite1h: '2.2', source: BEDROCK_GEOGRAPHIC, asOf: '2026-11-27' },
  'bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0': { input: '1.1', output: '5.5', cacheRead: '0.11', cacheWrite: '1.375', cacheWrite1h: '2.2', source: BEDROCK_GEOGRAPHIC, asOf: '2026-11-27' },
  'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0': SONNET_GEOGRAPHIC,
  'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0': SONNET_GEOGRAPHIC,
  'bedrock/us.anthropic.claude-opus-4-5-20251101-v1:0': { input: '5.5', output: '27.5', cacheRead: '0.55', cacheWrite: '6.875', cacheWrite1h: '11', source: BEDROCK_GEOGRAPHIC, asOf: '2026-11-27' },
  'bedrock/eu.anthropic.claude-opus-4-5-20251101-v1:0': { input: '5.5', output: '27.5', cacheRead: '0.55', cacheWrite: '6.875', cacheWrite1h: '11', source: BEDROCK_GEOGRAPHIC, asOf: '2026-11-27' },
  'bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0': {
    input: '5',
    output: '25',
    cacheRead: '0.5',
    cacheWrite: '6.25',
    cacheWrite1h: '10',
    source: ANTHROPIC,
    asOf: '2026-11-27',
  },
  // Embedding models bill input tokens only.
  'bedrock/amazon.titan-embed-text-v2:0': { input: '0.02', output: '0', source: BEDROCK, asOf: '2026-11-27' },
  'bedrock/cohere.embed-english-v3': { input: '0.1', output: '0', source: BEDROCK, asOf: '2026-11-27' },
  'bedrock/cohere.embed-multilingual-v3': { input: '0.1', output: '0', source: BEDROCK, asOf: '2026-11-27' },
  'bedrock/cohere.embed-v4:0': { input: '0.12', output: '0', source: BEDROCK, asOf: '2026-11-27' },
  'openai/text-embedding-3-small': { input: '0.02', output: '0', source: OPENAI, asOf: '2026-11-27' },
  'openai/text-embedding-3-large': { input: '0.13', output: '0', source: OPENAI, asOf: '2026-11-27' },
  'openai/gpt-4.1': { input: '2', output: '8', cacheRead: '0.5', cacheWrite: '2', source: OPENAI, asOf: '2026-11-28' },
  'openai/gpt-4o': { input: '2.5', output: '10', cacheRead: '1.25', cacheWrite: '2.5', source: OPENAI, asOf: '2026-11-28' },
  'openai/gpt-4o-mini': { input: '0.15', output: '0.6', cacheRead: '0.075', cacheWrite: '0.15', source: OPENAI, asOf: '2026-11-28' },
  'openai/gpt-4.1-mini': { input: '0.4', output: '1.6', cacheRead: '0.1', cacheWrite: '0.4', source: OPENAI, asOf: '2026-09-24' },
  'openai/gpt-5-mini': { input: '0.25', output: '2', cacheRead: '0.025', cacheWrite: '0.25', source: OPENAI, asOf: '2026-09-24' },
  'openai/gpt-5': { input: '1.25', output: '10', cacheRead: '0.125', cacheWrite: '1.25', source: OPENAI, asOf: '2026-09-24' },
  'google/gemini-2.5-flash-lite': { input: '0.1', output: '0.4', cacheRead: '0.01', cacheWrite: '0.1', source: GEMINI, asOf: '2026-09-20' },
  'google/gemini-2.5-flash': { input: '0.3', output: '2.5', cacheRead: '0.03', cacheWrite: '0.3', source: GEMINI, asOf: '2026-09-20' },
  'google/gemini-2.5-pro': {
    input: '1.25',
    output: '10',
    cacheRead: '0.125',
    cacheWrite: '1.25',
    // Prompts over 200k tokens bill the whole request at the higher rates.
    longContext: { aboveInputTokens: 200_000, input: '2.5', output: '15', cacheRead: '0.25', cacheWrite: '2.5' },
    source: GEMINI,
    asOf: '2026-09-20',
  },
};

/**
 * Nova through the geographic inference profiles the per-geography default
 * policies use. Bedrock bills cross-Region inference at the source Region's
 * on-demand price, with nothing added; these rows carry the us-east-1 price,
 * so set `price` in your policy where your Region's list price differs.
 */
const NOVA_PROFILES: Readonly<Record<string, PriceRow>> = Object.fromEntries(
  ['us', 'eu', 'apac'].flatMap((geography) =>
    ['micro', 'lite', 'pro'].map((size) => {
      const row = LISTED[`bedrock/amazon.nova-${size}-v1:0`]!;
      return [`bedrock/${geography}.amazon.nova-${size}-v1:0`, { ...row, source: `${row.source} (us-east-1 price; cross-Region inference bills the source Region's price: ${CROSS_REGION})` }];
    }),
  ),
);

export const PRICE_TABLE: Readonly<Record<string, PriceRow>> = { ...LISTED, ...NOVA_PROFILES };
