import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_PRICES, displayedPrice, type AwsPriceName } from '../../lib/aws-prices';
import { synthesizeTemplate } from '../../lib/app';
import { STANDARD_EXAMPLE, workedExample } from '../../lib/audit/worked-example';
import { parseUsd } from '../../lambda/core/accounting/money';

describe('the AWS price list', () => {
  const table = readFileSync(join(__dirname, '..', '..', 'docs', 'costs.md'), 'utf8');

  it('is what the price table in docs/costs.md quotes, price by price', () => {
    for (const name of Object.keys(AWS_PRICES) as AwsPriceName[]) {
      const row = table.split('\n').find((line) => line.startsWith(`| ${AWS_PRICES[name].unit} |`));
      expect([name, row?.includes(` ${displayedPrice(name)} `)]).toEqual([name, true]);
    }
  });

  it('gives every price a source and the date it was read', () => {
    for (const price of Object.values(AWS_PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z0-9-]+\/pricing\//);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});

describe('the standard worked example', () => {
  const example = workedExample(synthesizeTemplate());

  it('reproduces the published figures exactly', () => {
    expect(example.all_flagship_usd).toBe('56000.000000000');
    expect(example.routed).toEqual({ cheap_usd: '2400.000000000', flagship_usd: '16800.000000000', verified_usd: '8400.000000000', total_usd: '27600.000000000' });
    expect(example.saving_usd).toBe('28400.000000000');
    expect(example.saving_percent).toBe('50.7');
  });

  it('takes the markups from the routed bill: 5% is $1,380 a month, 10% is $2,760', () => {
    expect(example.markup).toEqual({ '5%': '1380.000000000', '10%': '2760.000000000' });
  });

  it('shows the net saving with Switchyard\'s own AWS bill for the same 10M requests', () => {
    const aws = example.aws.lines.reduce((sum, line) => sum + parseUsd(line.usd), 0n);
    expect(parseUsd(example.aws.total_usd)).toBe(aws);
    expect(example.aws.lines[0]).toMatchObject({ part: 'API Gateway', usd: '35.000000000' });
    expect(parseUsd(example.net_saving_usd)).toBe(parseUsd('28400') - aws);
    // Its share of the routed model bill, to two places.
    expect(example.aws.share_of_routed_percent).toBe(((Number(aws) / Number(parseUsd('27600'))) * 100).toFixed(2));
    // The README quotes the figure and its share as printed.
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(`$${(Number(aws) / 1e9).toFixed(2)} a month, ${example.aws.share_of_routed_percent}% of its $27,600 routed model bill`);
    expect(example.inputs).toEqual(STANDARD_EXAMPLE);
  });
});
