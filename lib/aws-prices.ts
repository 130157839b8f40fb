/**
 * What Switchyard itself costs to run on AWS: the list prices of the services
 * a request touches, each with where it was read and when, and the arithmetic
 * that turns a month of traffic into a bill. The README's cost table and the
 * cost audit (`npx switchyard audit`) both read these numbers; a test checks
 * that the README quotes them as they are here.
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
const MILLION = 1_000_000;

export const AWS_PRICES = {
  apiGatewayRestRequest: { usd: '3.50', per: MILLION, unit: 'REST API requests (the first 333 million a month)', source: 'https://aws.amazon.com/api-gateway/pricing/', asOf: AS_OF },
  lambdaRequest: { usd: '0.20', per: MILLION, unit: 'Lambda requests', source: 'https://aws.amazon.com/lambda/pricing/', asOf: AS_OF },
  lambdaArmGbSecond: { usd: '13.3334', per: MILLION, unit: 'Lambda GB-seconds on arm64 ($0.0000133334 each)', source: 'https://aws.amazon.com/lambda/pricing/', asOf: AS_OF },
  dynamoWriteUnit: { usd: '0.625', per: MILLION, unit: 'DynamoDB on-demand write request units', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', asOf: AS_OF },
  dynamoReadUnit: { usd: '0.125', per: MILLION, unit: 'DynamoDB on-demand read request units', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', asOf: AS_OF },
  dynamoStorageGbMonth: { usd: '0.25', per: 1, unit: 'DynamoDB GB-month stored', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/', asOf: AS_OF },
  stepFunctionsExpressRequest: { usd: '1.00', per: MILLION, unit: 'Step Functions Express executions', source: 'https://aws.amazon.com/step-functions/pricing/', asOf: AS_OF },
  stepFunctionsExpressGbSecond: { usd: '16.67', per: MILLION, unit: 'Step Functions Express GB-seconds ($0.00001667 each; 100 ms steps, 64 MB at least)', source: 'https://aws.amazon.com/step-functions/pricing/', asOf: AS_OF },
  logsIngestGb: { usd: '0.50', per: 1, unit: 'CloudWatch Logs GB ingested', source: 'https://aws.amazon.com/cloudwatch/pricing/', asOf: AS_OF },
} as const satisfies Record<string, AwsPrice>;

export type AwsPriceName = keyof typeof AWS_PRICES;

/** How the deployed stack is sized and what each request does in it: the defaults are the stack's own. */
export interface AwsUsageAssumptions {
  /** The router's memory. @default 512 */
  readonly routerMemoryMb: number;
  /** The aggregator's memory. @default 256 */
  readonly aggregatorMemoryMb: number;
  /** Router time per request besides the model's latency. @default 50 */
  readonly routerOverheadMs: number;
  /** Model latency when a log has none. @default 2000 */
  readonly defaultLatencyMs: number;
  /** The authorizer runs per request (API-key and managed modes, without caching). @default true */
  readonly authorizerPerRequest: boolean;
  /** Write units per attempt: the record (1), and the aggregator's transactions amortised (`npm run simulate:hot-items`). @default 2.41 */
  readonly writeUnitsPerAttempt: number;
  /** Aggregator invocations per attempt, and their duration. @default 0.03 and 100 ms */
  readonly aggregatorInvocationsPerAttempt: number;
  readonly aggregatorDurationMs: number;
  /** Bytes of log per request (access log, summary, Lambda's own lines). @default 1024 */
  readonly logBytesPerRequest: number;
  /** An Express execution's billed memory and its duration per fallback. @default 64 MB, 1000 ms */
  readonly fallbackMemoryMb: number;
  readonly fallbackDurationMs: number;
}

/**
 * The defaults, and where the figures come from: 512 MB and 256 MB are the
 * stack's; 2.41 write units and 0.03 invocations per attempt are
 * `npm run simulate:hot-items -- --rate 4 --callers 20` (10M requests a month:
 * 1.09 for records, 1.41 for the aggregator); the rest are stated guesses.
 */
export const DEFAULT_AWS_USAGE: AwsUsageAssumptions = {
  routerMemoryMb: 512,
  aggregatorMemoryMb: 256,
  routerOverheadMs: 50,
  defaultLatencyMs: 2000,
  authorizerPerRequest: true,
  writeUnitsPerAttempt: 2.41,
  aggregatorInvocationsPerAttempt: 0.03,
  aggregatorDurationMs: 100,
  logBytesPerRequest: 1024,
  fallbackMemoryMb: 64,
  fallbackDurationMs: 1000,
};

/** A month (or any span) of traffic, as the audit sees it. */
export interface Traffic {
  readonly requests: number;
  /** Attempts beyond the first: each is a fallback through Step Functions. */
  readonly fallbacks: number;
  /** Total model latency over all requests, in ms (the router waits for it, and is billed). */
  readonly modelLatencyMs: number;
}

export interface AwsCostLine {
  readonly part: string;
  readonly costNanoUsd: NanoUsd;
  /** How the line was computed, in words, for the report's assumptions. */
  readonly basis: string;
}

/** Switchyard's own AWS bill for `traffic`, line by line, at list prices. */
export function awsCostOf(traffic: Traffic, assumptions: AwsUsageAssumptions = DEFAULT_AWS_USAGE): AwsCostLine[] {
  const attempts = traffic.requests + traffic.fallbacks;
  const routerSeconds = (traffic.modelLatencyMs + traffic.requests * assumptions.routerOverheadMs) / 1000;
  const lambdaRequests = traffic.requests * (assumptions.authorizerPerRequest ? 2 : 1) + attempts * assumptions.aggregatorInvocationsPerAttempt;
  const aggregatorSeconds = (attempts * assumptions.aggregatorInvocationsPerAttempt * assumptions.aggregatorDurationMs) / 1000;
  const fallbackGbSeconds = (traffic.fallbacks * Math.max(100, Math.ceil(assumptions.fallbackDurationMs / 100) * 100) / 1000) * (Math.max(64, assumptions.fallbackMemoryMb) / 1024);
  return [
    { part: 'API Gateway', costNanoUsd: priced('apiGatewayRestRequest', traffic.requests), basis: `${traffic.requests} requests` },
    {
      part: 'Lambda',
      costNanoUsd:
        priced('lambdaRequest', lambdaRequests) +
        priced('lambdaArmGbSecond', routerSeconds * (assumptions.routerMemoryMb / 1024) + aggregatorSeconds * (assumptions.aggregatorMemoryMb / 1024)),
      basis:
        `router at ${assumptions.routerMemoryMb} MB for the model's latency plus ${assumptions.routerOverheadMs} ms a request` +
        `${assumptions.authorizerPerRequest ? ', an authorizer call a request' : ''}, and the aggregator (${assumptions.aggregatorInvocationsPerAttempt} invocations an attempt of ${assumptions.aggregatorDurationMs} ms at ${assumptions.aggregatorMemoryMb} MB)`,
    },
    {
      part: 'DynamoDB',
      costNanoUsd: priced('dynamoWriteUnit', attempts * assumptions.writeUnitsPerAttempt),
      basis: `${assumptions.writeUnitsPerAttempt} write units an attempt (the record, and the aggregator's transactions amortised)`,
    },
    { part: 'CloudWatch Logs', costNanoUsd: priced('logsIngestGb', (traffic.requests * assumptions.logBytesPerRequest) / 1024 ** 3), basis: `${assumptions.logBytesPerRequest} bytes of log a request` },
    {
      part: 'Step Functions',
      costNanoUsd: priced('stepFunctionsExpressRequest', traffic.fallbacks) + priced('stepFunctionsExpressGbSecond', fallbackGbSeconds),
      basis: `an Express execution of ${assumptions.fallbackDurationMs} ms at ${assumptions.fallbackMemoryMb} MB per fallback`,
    },
  ];
}

/** `quantity` units of a price, in nano-USD, rounded to the nearest: the only place a measured (fractional) quantity meets money. */
function priced(name: AwsPriceName, quantity: number): NanoUsd {
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
