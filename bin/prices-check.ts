/**
 * `npm run prices:check`: lists every difference between the price table and
 * the pinned `@pydantic/genai-prices` catalog, each reviewed one with its
 * reason (lib/price-differences.json); exits 1 when one is not reviewed, so a
 * scheduled job alerts on new drift. See docs/models.md for how to read it.
 */
import { PRICE_TABLE } from '../lambda/core/accounting/price-table';
import { comparePriceTable, genaiPricesLookup, isReviewed, renderDifferences, type ReviewedDifference } from '../lib/prices-check';
import reviewed from '../lib/price-differences.json';

const differences = comparePriceTable(PRICE_TABLE, genaiPricesLookup);
console.log(renderDifferences(differences, Object.keys(PRICE_TABLE).length, reviewed as ReviewedDifference[]));
process.exitCode = differences.every((difference) => isReviewed(difference, reviewed as ReviewedDifference[])) ? 0 : 1;
