/**
 * `npm run prices:check`: the price table beside a maintained public catalog
 * (`@pydantic/genai-prices`, its data as bundled in the pinned release), every
 * difference listed, so drift shows the day a catalog release records it. A
 * difference is not always ours to fix: the catalog may lag a provider, or
 * match a newer model to an older entry (it names the entry it matched).
 */
import { calcPrice } from '@pydantic/genai-prices';
import { formatUsdShort, parseUsd } from '../lambda/core/accounting/money';
import type { PriceRow } from '../lambda/core/accounting/price-table';

/** One rate as a decimal USD string per million tokens, the way the table writes it. */
type Rates = Readonly<Record<RateName, string>>;
type RateName = 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h';
const RATE_NAMES: readonly RateName[] = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h'];

/** What a catalog says of one model: the entry it matched, its rates, and its long-context tier, if any. */
export interface CatalogPrice {
  readonly matched: string;
  /** A one-hour write the catalog does not list is `undefined`: the other rates default as the table's do. */
  readonly rates: Omit<Rates, 'cacheWrite1h'> & { readonly cacheWrite1h: string | undefined };
  readonly longContext?: { readonly aboveInputTokens: number; readonly rates: Rates } | undefined;
}

export type CatalogLookup = (modelId: string) => CatalogPrice | undefined;

export interface PriceDifference {
  readonly model: string;
  /** A rate, `longContext`, or `missing` when the catalog has no entry. */
  readonly field: string;
  readonly ours: string;
  readonly catalog: string;
  /** The catalog's entry, when it is not the model's own name. */
  readonly matched?: string | undefined;
}

/** Every difference between the table and the catalog, model by model, rate by rate. */
export function comparePriceTable(table: Readonly<Record<string, PriceRow>>, lookup: CatalogLookup): PriceDifference[] {
  return Object.entries(table).flatMap(([model, row]): PriceDifference[] => {
    const theirs = lookup(model);
    if (!theirs) return [{ model, field: 'missing', ours: `${row.input}/${row.output}`, catalog: 'no entry' }];
    const matched = theirs.matched === model.slice(model.indexOf('/') + 1) ? {} : { matched: theirs.matched };
    const ours = ratesOf(row);
    // A one-hour write is compared where either side lists one; a model with none bills such writes as writes.
    const compared = RATE_NAMES.filter((name) => name !== 'cacheWrite1h' || row.cacheWrite1h !== undefined || theirs.rates.cacheWrite1h !== undefined);
    const differences: PriceDifference[] = compared.filter((name) => theirs.rates[name] === undefined || parseUsd(ours[name]) !== parseUsd(theirs.rates[name]!)).map((field) => ({
      model,
      field,
      ours: ours[field],
      catalog: theirs.rates[field] ?? 'not listed',
      ...matched,
    }));
    const long = row.longContext ? { aboveInputTokens: row.longContext.aboveInputTokens, rates: ratesOf(row.longContext) } : undefined;
    if (describeLong(long) !== describeLong(theirs.longContext)) {
      differences.push({ model, field: 'longContext', ours: describeLong(long), catalog: describeLong(theirs.longContext), ...matched });
    }
    return differences;
  });
}

/** A row's rates with the table's own defaults: cache reads and writes at input, a one-hour write at the write. */
function ratesOf(row: Pick<PriceRow, 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h'>): Rates {
  const cacheWrite = row.cacheWrite ?? row.input;
  return { input: row.input, output: row.output, cacheRead: row.cacheRead ?? row.input, cacheWrite, cacheWrite1h: row.cacheWrite1h ?? cacheWrite };
}

function describeLong(long: CatalogPrice['longContext']): string {
  if (!long) return 'none';
  return `over ${long.aboveInputTokens}: ${RATE_NAMES.map((name) => `${name} ${formatUsdShort(parseUsd(long.rates[name]))}`).join(', ')}`;
}

/** The catalog's provider for a table id, and the model id it knows. */
const PROVIDERS: Readonly<Record<string, string>> = { bedrock: 'aws', openai: 'openai', google: 'google', anthropic: 'anthropic' };

type CatalogRate = number | { readonly base: number; readonly tiers: readonly { readonly start: number; readonly price: number }[] } | undefined;

/** Looks each model up in the bundled `@pydantic/genai-prices` data (no network: its auto-update is never started). */
export function genaiPricesLookup(modelId: string): CatalogPrice | undefined {
  const provider = PROVIDERS[modelId.slice(0, modelId.indexOf('/'))];
  if (provider === undefined) return undefined;
  const found = calcPrice({ input_tokens: 1 }, modelId.slice(modelId.indexOf('/') + 1), { providerId: provider });
  if (!found) return undefined;
  const price = found.model_price as unknown as Readonly<Record<string, CatalogRate>>;
  const rate = (field: string, tier?: number): string | undefined => {
    const value = price[field];
    if (value === undefined) return undefined;
    const amount = typeof value === 'number' ? value : tier === undefined ? value.base : (value.tiers.find((entry) => entry.start === tier)?.price ?? value.base);
    return decimal(amount);
  };
  const ratesAt = (tier?: number) => {
    const input = rate('input_mtok', tier) ?? '0';
    const cacheWrite = rate('cache_write_mtok', tier) ?? input;
    return { input, output: rate('output_mtok', tier) ?? '0', cacheRead: rate('cache_read_mtok', tier) ?? input, cacheWrite, cacheWrite1h: rate('cache_write_1h_mtok', tier) };
  };
  const tiered = Object.values(price).find((value): value is Exclude<CatalogRate, number | undefined> => typeof value === 'object' && value !== null && 'tiers' in value);
  const start = tiered?.tiers[0]?.start;
  const long = start === undefined ? undefined : ratesAt(start);
  return { matched: found.model.id, rates: ratesAt(), ...(long ? { longContext: { aboveInputTokens: start!, rates: { ...long, cacheWrite1h: long.cacheWrite1h ?? long.cacheWrite } } } : {}) };
}

/** A catalog number as the table writes a price: at most nine decimals, no trailing zeros. */
function decimal(amount: number): string {
  return amount.toFixed(9).replace(/\.?0+$/, '');
}

/** A difference someone read and explained: it stays listed, and fails the check again once the catalog's figure changes. */
export interface ReviewedDifference {
  readonly model: string;
  readonly field: string;
  readonly catalog: string;
  readonly why: string;
}

export function isReviewed(difference: PriceDifference, reviewed: readonly ReviewedDifference[]): ReviewedDifference | undefined {
  return reviewed.find((entry) => entry.model === difference.model && entry.field === difference.field && entry.catalog === difference.catalog);
}

/** The report `npm run prices:check` prints: every difference, each reviewed one with its reason. */
export function renderDifferences(differences: readonly PriceDifference[], checked: number, reviewed: readonly ReviewedDifference[] = []): string {
  if (differences.length === 0) return `All ${checked} rows of the price table agree with @pydantic/genai-prices.`;
  const lines = differences.map((difference) => {
    const matched = difference.matched ? ` (catalog matched "${difference.matched}")` : '';
    const why = isReviewed(difference, reviewed)?.why;
    const note = why === undefined ? '  NEW' : `  [reviewed: ${why}]`;
    return difference.field === 'missing'
      ? `  ${difference.model}: not in the catalog${matched}${note}`
      : `  ${difference.model} ${difference.field}: table ${difference.ours}, catalog ${difference.catalog}${matched}${note}`;
  });
  const models = new Set(differences.map((difference) => difference.model)).size;
  const unreviewed = differences.filter((difference) => !isReviewed(difference, reviewed)).length;
  return [
    `${differences.length} difference(s) in ${models} of ${checked} rows of the price table against @pydantic/genai-prices; ${unreviewed} not reviewed:`,
    ...lines,
  ].join('\n');
}
