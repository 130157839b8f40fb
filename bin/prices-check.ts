/**
 * `npm run prices:check`: lists every difference between the price table and
 * the pinned `@pydantic/genai-prices` catalog; exits 1 when there is any, so a
 * scheduled job can alert on drift. See docs/models.md for how to read it.
 */
import { PRICE_TABLE } from '../lambda/core/accounting/price-table';
import { comparePriceTable, genaiPricesLookup, renderDifferences } from '../lib/prices-check';

const differences = comparePriceTable(PRICE_TABLE, genaiPricesLookup);
console.log(renderDifferences(differences, Object.keys(PRICE_TABLE).length));
process.exitCode = differences.length > 0 ? 1 : 0;
