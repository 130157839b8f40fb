/**
 * The standard worked example of what routing saves, computed exactly (integer
 * nano-USD) from its stated inputs, then again with Switchyard's own AWS bill
 * for the same traffic, so the net saving is explicit:
 *
 * 10M requests a month of ~800 tokens at ~$7 per million (blended) is
 * $56,000 all-flagship. With 60% of traffic on a $0.50-per-million tier, 30%
 * on the flagship, and 10% on the flagship plus a verification pass costing
 * half again, it is $27,600: a 50.7% saving. A 5% markup on the routed bill
 * is $1,380.
 */
import { formatUsd, parseUsd, percentageOf } from '../../lambda/core/accounting/money';
import { managedInstancesBreakEven } from './managed-instances';
import { awsBillOf, DEFAULT_AWS_USAGE, type AwsUsageAssumptions, type CfnTemplate } from './aws-bill';
import { percentOf } from '../../lambda/core/accounting/usage-report';

export interface WorkedExampleInputs {
  readonly requestsPerMonth: number;
  readonly tokensPerRequest: number;
  /** USD per million tokens, blended input and output. */
  readonly flagshipPerMillion: string;
  readonly cheapPerMillion: string;
  /** Shares of traffic in percent: on the cheap tier, on the flagship, and on the flagship with verification. */
  readonly cheapPercent: number;
  readonly flagshipPercent: number;
  readonly verifiedPercent: number;
  /** What verification adds to a verified request's cost, in percent. */
  readonly verificationPercent: number;
  /** For the AWS bill: the model's latency and the share of requests that fall back. */
  readonly modelLatencyMs: number;
  readonly fallbackPercent: number;
}

export const STANDARD_EXAMPLE: WorkedExampleInputs = {
  requestsPerMonth: 10_000_000,
  tokensPerRequest: 800,
  flagshipPerMillion: '7',
  cheapPerMillion: '0.50',
  cheapPercent: 60,
  flagshipPercent: 30,
  verifiedPercent: 10,
  verificationPercent: 50,
  modelLatencyMs: 2000,
  fallbackPercent: 1,
};

export interface WorkedExample {
  readonly inputs: WorkedExampleInputs;
  readonly all_flagship_usd: string;
  readonly routed: { readonly cheap_usd: string; readonly flagship_usd: string; readonly verified_usd: string; readonly total_usd: string };
  readonly saving_usd: string;
  readonly saving_percent: string;
  readonly markup: { readonly '5%': string; readonly '10%': string };
  readonly aws: { readonly lines: readonly { part: string; usd: string; basis: string }[]; readonly total_usd: string; readonly share_of_routed_percent: string };
  readonly net_saving_usd: string;
  readonly net_saving_percent: string;
  /** Where Lambda Managed Instances would run the router for less. */
  readonly managed_instances: { readonly break_even_requests_per_month: number; readonly fleet_monthly_usd: string; readonly assumptions: readonly string[] };
}

/** `template`: the stack whose AWS bill is set against the saving (`synthesizeTemplate()` for the default one). */
export function workedExample(template: CfnTemplate, inputs: WorkedExampleInputs = STANDARD_EXAMPLE, aws: AwsUsageAssumptions = DEFAULT_AWS_USAGE): WorkedExample {
  const tokens = BigInt(inputs.requestsPerMonth) * BigInt(inputs.tokensPerRequest);
  const at = (perMillion: string, percent: number) => (tokens * BigInt(percent) * parseUsd(perMillion)) / 100n / 1_000_000n;
  const allFlagship = at(inputs.flagshipPerMillion, 100);
  const cheap = at(inputs.cheapPerMillion, inputs.cheapPercent);
  const flagship = at(inputs.flagshipPerMillion, inputs.flagshipPercent);
  const verified = (at(inputs.flagshipPerMillion, inputs.verifiedPercent) * BigInt(100 + inputs.verificationPercent)) / 100n;
  const routed = cheap + flagship + verified;
  const fallbacks = Math.round((inputs.requestsPerMonth * inputs.fallbackPercent) / 100);
  const lines = awsBillOf(template, { requests: inputs.requestsPerMonth, fallbacks, modelLatencyMs: inputs.requestsPerMonth * inputs.modelLatencyMs }, aws);
  const awsTotal = lines.reduce((sum, line) => sum + line.costNanoUsd, 0n);
  const breakEven = managedInstancesBreakEven(template, inputs.modelLatencyMs, aws);
  return {
    inputs,
    all_flagship_usd: formatUsd(allFlagship),
    routed: { cheap_usd: formatUsd(cheap), flagship_usd: formatUsd(flagship), verified_usd: formatUsd(verified), total_usd: formatUsd(routed) },
    saving_usd: formatUsd(allFlagship - routed),
    saving_percent: percentOf(allFlagship - routed, allFlagship),
    markup: { '5%': formatUsd(percentageOf(routed, 5n)), '10%': formatUsd(percentageOf(routed, 10n)) },
    aws: { lines: lines.map((line) => ({ part: line.part, usd: formatUsd(line.costNanoUsd), basis: line.basis })), total_usd: formatUsd(awsTotal), share_of_routed_percent: percentOf(awsTotal, routed, 2) },
    net_saving_usd: formatUsd(allFlagship - routed - awsTotal),
    net_saving_percent: percentOf(allFlagship - routed - awsTotal, allFlagship),
    managed_instances: {
      break_even_requests_per_month: breakEven.requestsPerMonth,
      fleet_monthly_usd: formatUsd(breakEven.fleetMonthlyNanoUsd),
      assumptions: breakEven.assumptions,
    },
  };
}
