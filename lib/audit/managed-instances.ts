/**
 * Where Lambda Managed Instances would run the router for less than
 * on-demand Lambda, and on what assumptions: `audit` and `audit --example`
 * print it.
 */
import type { NanoUsd } from '../../lambda/core/accounting/money';
import { priced } from '../aws-prices';
import { DEFAULT_AWS_USAGE, readStack, HOURS_PER_MONTH, type AwsUsageAssumptions, type CfnTemplate } from './aws-bill';

/** Lambda Managed Instances' smallest fleet: three instances, one per Availability Zone. */
const MANAGED_INSTANCES = { instances: 3, natGatewaysMonthlyUsd: 3 * 0.045 * HOURS_PER_MONTH } as const;

export interface ManagedInstancesBreakEven {
  /** Requests a month above which the router would cost less on Managed Instances. */
  readonly requestsPerMonth: number;
  readonly fleetMonthlyNanoUsd: NanoUsd;
  readonly assumptions: readonly string[];
}

/**
 * The volume at which the router on Lambda Managed Instances (billed per
 * instance-hour plus a 15% fee, serving many requests at once per
 * environment) costs less than on-demand Lambda (billed for every
 * millisecond it waits for the model). Both pay $0.20 a million requests.
 */
export function managedInstancesBreakEven(template: CfnTemplate, latencyMs: number, usage: AwsUsageAssumptions = DEFAULT_AWS_USAGE): ManagedInstancesBreakEven {
  const router = readStack(template).functions.find((fn) => fn.part === 'router');
  const memoryMb = router?.memoryMb ?? 256;
  const perMillion = priced(router?.arm === false ? 'lambdaX86GbSecond' : 'lambdaArmGbSecond', (1_000_000 * Math.ceil(latencyMs + usage.routerOverheadMs)) / 1000 * (memoryMb / 1024));
  const instanceHours = MANAGED_INSTANCES.instances * HOURS_PER_MONTH;
  const fleet = priced('ec2M7gLargeHour', instanceHours) + priced('ec2M7gLargeHour', instanceHours * 0.15);
  const nat = BigInt(Math.round(MANAGED_INSTANCES.natGatewaysMonthlyUsd * 1e9));
  const fleetMonthly = fleet + nat;
  return {
    requestsPerMonth: Math.ceil(Number((fleetMonthly * 1_000_000n) / perMillion)),
    fleetMonthlyNanoUsd: fleetMonthly,
    assumptions: [
      `on-demand: the router at ${memoryMb} MB for ${Math.round(latencyMs)} ms of model latency and ${usage.routerOverheadMs} ms of its own, per request`,
      `Managed Instances: ${MANAGED_INSTANCES.instances} m7g.large (2 vCPU, 8 GiB; $0.0816 an hour) plus the 15% management fee, a month; Node serves 64 requests at once per vCPU, so three instances hold about 380 requests in flight (about 190 a second at 2 s each)`,
      'the fleet runs in a VPC: three NAT gateways ($0.045 an hour each, and $0.045 a GB) reach external providers; Bedrock and DynamoDB by VPC endpoints would cost about as much',
    ],
  };
}
