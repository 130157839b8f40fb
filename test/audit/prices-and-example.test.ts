import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_PRICES, awsCostOf, DEFAULT_AWS_USAGE, displayedPrice, type AwsPriceName } from '../../lib/aws-prices';
import { STANDARD_EXAMPLE, workedExample } from '../../lib/audit/worked-example';
import { parseUsd } from '../../lambda/core/accounting/money';

/** The row of docs/costs.md's cost table that quotes each price. */
const ROW_OF: Record<AwsPriceName, string> = {
  apiGatewayRestRequest: '| API Gateway REST |',
  lambdaRequest: '| Router Lambda, arm64',
  lambdaArmGbSecond: '| Router Lambda, arm64',
  dynamoWriteUnit: '| DynamoDB on-demand |',
  dynamoReadUnit: '| DynamoDB on-demand |',
  dynamoStorageGbMonth: '| DynamoDB on-demand |',
  stepFunctionsExpressRequest: '| Step Functions Express',
  stepFunctionsExpressGbSecond: '| Step Functions Express',
  logsIngestGb: '| CloudWatch Logs |',
};

describe('the AWS price list', () => {
  const table = readFileSync(join(__dirname, '..', '..', 'docs', 'costs.md'), 'utf8');

  it('is what the cost table in docs/costs.md quotes, price by price', () => {
    for (const [name, prefix] of Object.entries(ROW_OF) as [AwsPriceName, string][]) {
      const row = table.split('\n').find((line) => line.startsWith(prefix));
      expect([name, row?.includes(displayedPrice(name))]).toEqual([name, true]);
    }
  });

  it('gives every price a source and the date it was read', () => {
    for (const price of Object.values(AWS_PRICES)) {
      expect(price.source).toMatch(/^https:\/\/aws\.amazon\.com\/[a-z-]+\/pricing\//);
      expect(price.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('bills a router second at 512 MB and an API request at the listed prices, exactly', () => {
    const [api, lambda] = awsCostOf({ requests: 1_000_000, fallbacks: 0, modelLatencyMs: 0 }, {
      ...DEFAULT_AWS_USAGE,
      routerOverheadMs: 1000,
      authorizerPerRequest: false,
      aggregatorInvocationsPerAttempt: 0,
    });
    expect(api!.costNanoUsd).toBe(parseUsd('3.50'));
    // A million requests, a second each at half a GB: 500,000 GB-s at $0.0000133334, plus $0.20 of requests.
    expect(lambda!.costNanoUsd).toBe(parseUsd('6.6667') + parseUsd('0.20'));
  });
});

describe('the standard worked example', () => {
  const example = workedExample();

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
    expect(example.aws.lines.map((line) => line.part)).toEqual(['API Gateway', 'Lambda', 'DynamoDB', 'CloudWatch Logs', 'Step Functions']);
    expect(example.aws.lines[0]!.usd).toBe('35.000000000');
    expect(parseUsd(example.net_saving_usd)).toBe(parseUsd('28400') - aws);
    // The AWS bill is well under 1% of the saving at a 2 s model latency.
    expect(aws * 100n).toBeLessThan(parseUsd('28400'));
    expect(example.inputs).toEqual(STANDARD_EXAMPLE);
  });
});
