/**
 * Where Lambda Managed Instances would run the router for less than
 * on-demand Lambda, and on what assumptions: `audit` and `audit --example`
 * print it.
 */
import type { NanoUsd } from '../../lambda/core/accounting/money';
import { AWS_PRICES, priced } from '../aws-prices';
import { DEFAULT_AWS_USAGE, readStack, HOURS_PER_MONTH, type AwsUsageAssumptions, type CfnTemplate } from './aws-bill';

/**
 * Lambda Managed Instances' smallest fleet, three instances (one per
 * Availability Zone), and its management fee: 15% of the instances' EC2
 * on-demand price (https://aws.amazon.com/lambda/pricing/, read 2026-12-05).
 * In a VPC, a NAT gateway per zone reaches external providers.
 */
const FLEET = { instances: 3, feePercent: 15n, natGateways: 3 } as const;

export interface ManagedInstancesBreakEven {
  /** Requests a month above which the router would cost less on Managed Instances. */
  readonly requestsPerMonth: number;
  readonly fleetMonthlyNanoUsd: NanoUsd;
  readonly assumptions: readonly string[];
}

/**
 * The volume at which the router on Lambda Managed Instances (billed per
 * instance-hour plus the fee, serving many requests at once per environment)
 * costs less than on-demand Lambda (billed for every millisecond it waits for
 * the model). Both pay the same per request.
 */
export function managedInstancesBreakEven(template: CfnTemplate, latencyMs: number, usage: AwsUsageAssumptions = DEFAULT_AWS_USAGE): ManagedInstancesBreakEven {
  const router = readStack(template).functions.find((fn) => fn.part === 'router');
  const memoryMb = router?.memoryMb ?? 256;
  const perMillion = priced(router?.arm === false ? 'lambdaX86GbSecond' : 'lambdaArmGbSecond', ((1_000_000 * Math.ceil(latencyMs + usage.routerOverheadMs)) / 1000) * (memoryMb / 1024));
  const instances = priced('ec2M7gLargeHour', FLEET.instances * HOURS_PER_MONTH);
  const fleetMonthly = instances + (instances * FLEET.feePercent) / 100n + priced('natGatewayHour', FLEET.natGateways * HOURS_PER_MONTH);
  return {
    requestsPerMonth: Math.ceil(Number((fleetMonthly * 1_000_000n) / perMillion)),
    fleetMonthlyNanoUsd: fleetMonthly,
    assumptions: [
      `on-demand: the router at ${memoryMb} MB for ${Math.round(latencyMs)} ms of model latency and ${usage.routerOverheadMs} ms of its own, per request`,
      `Managed Instances: ${FLEET.instances} m7g.large ($${AWS_PRICES.ec2M7gLargeHour.usd} an hour) and the ${FLEET.feePercent}% management fee, a month; Node serves 64 requests at once per vCPU, so the fleet holds about 380 in flight`,
      `the fleet runs in a VPC: ${FLEET.natGateways} NAT gateways ($${AWS_PRICES.natGatewayHour.usd} an hour each, and a GB processed) reach external providers`,
    ],
  };
}
