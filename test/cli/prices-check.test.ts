import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { comparePriceTable, genaiPricesLookup, renderDifferences, type CatalogPrice } from '../../lib/prices-check';

const row = { input: '4', output: '20', cacheRead: '0.2', cacheWrite: '5', cacheWrite1h: '8', source: 'test', asOf: '2026-12-05' };
const same: CatalogPrice = { matched: 'model-a', rates: { input: '4', output: '20', cacheRead: '0.2', cacheWrite: '5', cacheWrite1h: '8' } };

describe('prices:check', () => {
  it('lists every rate that differs, a missing entry, a one-hour write the catalog lacks, and a long-context tier, naming an entry matched under another name', () => {
    const table = {
      'bedrock/model-a': row,
      'bedrock/model-b': row,
      'bedrock/model-c': row,
      'bedrock/model-d': { ...row, longContext: { aboveInputTokens: 100_000, input: '8', output: '40' } },
    };
    const catalog: Record<string, CatalogPrice | undefined> = {
      'bedrock/model-a': same,
      'bedrock/model-b': { matched: 'model-older', rates: { ...same.rates, cacheRead: '0.4', cacheWrite1h: undefined } },
      'bedrock/model-d': { matched: 'model-d', rates: same.rates },
    };
    const differences = comparePriceTable(table, (id) => catalog[id]);
    expect(differences).toEqual([
      { model: 'bedrock/model-b', field: 'cacheRead', ours: '0.2', catalog: '0.4', matched: 'model-older' },
      { model: 'bedrock/model-b', field: 'cacheWrite1h', ours: '8', catalog: 'not listed', matched: 'model-older' },
      { model: 'bedrock/model-c', field: 'missing', ours: '4/20', catalog: 'no entry' },
      { model: 'bedrock/model-d', field: 'longContext', ours: 'over 100000: input 8, output 40, cacheRead 8, cacheWrite 8, cacheWrite1h 8', catalog: 'none' },
    ]);
    const reviewed = [{ model: 'bedrock/model-c', field: 'missing', catalog: 'no entry', why: 'not carried' }];
    const report = renderDifferences(differences, 4, reviewed).split('\n');
    expect(report[0]).toBe('4 difference(s) in 3 of 4 rows of the price table against @pydantic/genai-prices; 3 not reviewed:');
    expect(report[3]).toBe('  bedrock/model-c: not in the catalog  [reviewed: not carried]');
    expect(report[1]).toMatch(/  NEW$/);
    expect(renderDifferences([], 4)).toBe('All 4 rows of the price table agree with @pydantic/genai-prices.');
  });

  it('compares a one-hour write only where a side lists one', () => {
    const noOneHour = { input: '1', output: '2', source: 'test', asOf: '2026-12-05' };
    const catalog: CatalogPrice = { matched: 'model-e', rates: { input: '1', output: '2', cacheRead: '1', cacheWrite: '1', cacheWrite1h: undefined } };
    expect(comparePriceTable({ 'bedrock/model-e': noOneHour }, () => catalog)).toEqual([]);
  });

  it('reads the pinned catalog: Opus 5.5 on Bedrock agrees with the table, and a geographic profile is matched to its regional entry', () => {
    expect(genaiPricesLookup('bedrock/global.anthropic.claude-opus-5-5')).toEqual({ matched: 'global.anthropic.claude-opus-5-5', rates: { input: '4', output: '20', cacheRead: '0.2', cacheWrite: '5', cacheWrite1h: '8' } });
    expect(genaiPricesLookup('bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0')?.matched).toBe('regional.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(genaiPricesLookup('selfhosted/model')).toBeUndefined();
  });

  it('runs as npm run prices:check, printing the report and exiting 1 only while a difference is not reviewed', () => {
    let output = '';
    let status = 0;
    try {
      output = execFileSync('npx', ['tsx', join(__dirname, '..', '..', 'bin', 'prices-check.ts')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      ({ stdout: output, status } = error as { stdout: string; status: number });
    }
    expect(output).toMatch(/^(\d+ difference\(s\) in \d+ of \d+ rows|All \d+ rows) of the price table/);
    expect(status).toBe(/ NEW$/m.test(output) ? 1 : 0);
  });
});
