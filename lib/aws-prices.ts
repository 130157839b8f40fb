/**
 * The list prices of the AWS services Switchyard's stack uses, each with where
 * it was read and when. The cost audit's AWS bill (lib/audit/aws-bill.ts)
 * prices the stack's template with them, and a test checks that
 * docs/costs.md quotes them as they are here.
 *
 * Prices are us-east-1, on-demand, without free tiers. Money is integer
 * nano-USD, as everywhere else in Switchyard.
 */
import { parseUsd, type NanoUsd } from '../lambda/core/accounting/money';

export interface AwsPrice {
  /** USD for `per` units, an exact decimal of at most nine places. */
  readonly usd: string;
  readonly per: 1 | 1_000_000;
  readonly unit: string;
  readonly source: string;
  readonly asOf: string;
}

const AS_OF = '2026-11-28';
const AS_OF_NEW = '2026-12-05';
const MILLION = 1_000_000;
/** Where a price was read: its page on aws.amazon.com (`lambda/pricing/`), and when. */
const read = (page: string, asOf = AS_OF_NEW) => ({ source: `https://aws.amazon.com/${page}`, asOf });

export const AWS_PRICES = {
  apiGatewayRestRequest: { usd: '3.50', per: MILLION, unit: 'REST API requests (the first 333 million a month)', ...read('api-gateway/pricing/', AS_OF) },
  lambdaRequest: { usd: '0.20', per: MILLION, unit: 'Lambda requests', ...read('lambda/pricing/', AS_OF) },
  lambdaArmGbSecond: { usd: '13.3334', per: MILLION, unit: 'Lambda GB-seconds on arm64 ($0.0000133334 each)', ...read('lambda/pricing/', AS_OF) },
  lambdaX86GbSecond: { usd: '16.6667', per: MILLION, unit: 'Lambda GB-seconds on x86 ($0.0000166667 each)', ...read('lambda/pricing/', AS_OF) },
  dynamoWriteUnit: { usd: '0.625', per: MILLION, unit: 'DynamoDB on-demand write request units', ...read('dynamodb/pricing/on-demand/', AS_OF) },
  dynamoReadUnit: { usd: '0.125', per: MILLION, unit: 'DynamoDB on-demand read request units', ...read('dynamodb/pricing/on-demand/', AS_OF) },
  dynamoStorageGbMonth: { usd: '0.25', per: 1, unit: 'DynamoDB GB-month stored', ...read('dynamodb/pricing/on-demand/', AS_OF) },
  dynamoPitrGbMonth: { usd: '0.20', per: 1, unit: 'DynamoDB continuous backups (point-in-time recovery), GB-month', ...read('dynamodb/pricing/on-demand/') },
  stepFunctionsExpressRequest: { usd: '1.00', per: MILLION, unit: 'Step Functions Express executions', ...read('step-functions/pricing/', AS_OF) },
  stepFunctionsExpressGbSecond: { usd: '16.67', per: MILLION, unit: 'Step Functions Express GB-seconds ($0.00001667 each; 100 ms steps, 64 MB at least)', ...read('step-functions/pricing/', AS_OF) },
  logsIngestGb: { usd: '0.50', per: 1, unit: 'CloudWatch Logs GB ingested (standard class; each event counts 26 bytes more)', ...read('cloudwatch/pricing/', AS_OF) },
  logsStorageGbMonth: { usd: '0.03', per: 1, unit: 'CloudWatch Logs GB-month archived', ...read('cloudwatch/pricing/') },
  customMetricMonth: { usd: '0.30', per: 1, unit: 'CloudWatch custom metric-months (the first 10,000)', ...read('cloudwatch/pricing/') },
  dashboardMonth: { usd: '3.00', per: 1, unit: 'CloudWatch dashboard-months', ...read('cloudwatch/pricing/') },
  alarmMetricMonth: { usd: '0.10', per: 1, unit: 'CloudWatch standard-resolution alarm metric-months', ...read('cloudwatch/pricing/') },
  xrayTrace: { usd: '5.00', per: MILLION, unit: 'X-Ray traces recorded', ...read('xray/pricing/') },
  kmsKeyMonth: { usd: '1.00', per: 1, unit: 'KMS customer managed key-months', ...read('kms/pricing/') },
  kmsRequest: { usd: '3.00', per: MILLION, unit: 'KMS requests ($0.03 per 10,000)', ...read('kms/pricing/') },
  secretMonth: { usd: '0.40', per: 1, unit: 'Secrets Manager secret-months', ...read('secrets-manager/pricing/') },
  secretsApiCall: { usd: '5.00', per: MILLION, unit: 'Secrets Manager API calls ($0.05 per 10,000)', ...read('secrets-manager/pricing/') },
  snsPublish: { usd: '0.50', per: MILLION, unit: 'SNS publishes', ...read('sns/pricing/') },
  sqsRequest: { usd: '0.40', per: MILLION, unit: 'SQS standard queue requests', ...read('sqs/pricing/') },
  schedulerInvocation: { usd: '1.00', per: MILLION, unit: 'EventBridge Scheduler invocations', ...read('eventbridge/pricing/') },
  wafWebAclMonth: { usd: '5.00', per: 1, unit: 'WAF web ACL-months', ...read('waf/pricing/') },
  wafRuleMonth: { usd: '1.00', per: 1, unit: 'WAF rule-months', ...read('waf/pricing/') },
  wafRequest: { usd: '0.60', per: MILLION, unit: 'WAF requests inspected', ...read('waf/pricing/') },
  natGatewayHour: { usd: '0.045', per: 1, unit: 'VPC NAT gateway hours', ...read('vpc/pricing/') },
  natGatewayGb: { usd: '0.045', per: 1, unit: 'VPC NAT gateway GB processed', ...read('vpc/pricing/') },
  publicIpv4Hour: { usd: '0.005', per: 1, unit: 'public IPv4 address hours (a NAT gateway\'s Elastic IP)', ...read('vpc/pricing/') },
  ec2M7gLargeHour: { usd: '0.0816', per: 1, unit: 'EC2 m7g.large on-demand hours (2 vCPU, 8 GiB, Graviton3)', ...read('ec2/pricing/on-demand/') },
} as const satisfies Record<string, AwsPrice>;

export type AwsPriceName = keyof typeof AWS_PRICES;

/** The hours AWS bills a month of an hourly resource by. */
export const HOURS_PER_MONTH = 730;

/** `quantity` units of a price, in nano-USD, rounded to the nearest: the only place a measured (fractional) quantity meets money. */
export function priced(name: AwsPriceName, quantity: number): NanoUsd {
  const price = AWS_PRICES[name];
  // Quantities are measured, not money: scale to millionths so the product stays an exact integer.
  const millionths = BigInt(Math.round(quantity * 1_000_000));
  const divisor = BigInt(price.per) * 1_000_000n;
  return (parseUsd(price.usd) * millionths + divisor / 2n) / divisor;
}

/** A price as the README quotes it: as listed, but a GB-second's per single unit ("$0.0000133334"), as AWS writes it. */
export function displayedPrice(name: AwsPriceName): string {
  const price: AwsPrice = AWS_PRICES[name];
  if (!price.unit.includes('GB-seconds')) return `$${price.usd}`;
  const [whole = '0', fraction = ''] = price.usd.split('.');
  return `$0.${whole.padStart(6, '0')}${fraction}`;
}
