/**
 * Where Lambda Managed Instances would run the router for less than
 * on-demand Lambda, and on what assumptions: `audit` and `audit --example`
 * print it.
 */
import type { NanoUsd } from '../../lambda/core/accounting/money';
import { AWS_PRICES, priced } from '../aws-prices';
import { DEFAULT_AWS_USAGE, readStack, type AwsUsageAssumptions, type CfnTemplate } from './aws-bill';
import { fleetAssumption, fleetQuantities, FLEET, natQuantities } from './fleet';
import { ROUTER_MEMORY_MB } from '../deploy-config';

/** In a VPC of its own, the fleet reaches Bedrock and external providers through a NAT gateway per zone. */
const NAT_GATEWAYS = 3;

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
 * the model). Both pay the same request charge; the instances' requests also
 * pay for their bytes through NAT.
 */
export function managedInstancesBreakEven(template: CfnTemplate, latencyMs: number, usage: AwsUsageAssumptions = DEFAULT_AWS_USAGE): ManagedInstancesBreakEven {
  const router = readStack(template).functions.find((fn) => fn.part === 'router');
  // A stack already on Managed Instances is weighed against the router as it would run on demand.
  const memoryMb = router === undefined || router.managedInstances ? ROUTER_MEMORY_MB.lambda : router.memoryMb;
  const perMillion = priced(router?.arm === false ? 'lambdaX86GbSecond' : 'lambdaArmGbSecond', ((1_000_000 * Math.ceil(latencyMs + usage.routerOverheadMs)) / 1000) * (memoryMb / 1024));
  const fixed = [...fleetQuantities(FLEET.minimumInstances, 1), ...natQuantities(NAT_GATEWAYS, NAT_GATEWAYS, 0, 1)];
  const fleetMonthly = fixed.reduce((total, [price, quantity]) => total + priced(price, quantity), 0n);
  // What a million requests cost on each side beyond the same request charge: on demand, the router's time; on instances, their bytes through NAT.
  const natPerMillion = priced('natGatewayGb', (1_000_000 * usage.natBytesPerRequest) / 1024 ** 3);
  return {
    requestsPerMonth: Math.ceil(Number((fleetMonthly * 1_000_000n) / (perMillion - natPerMillion))),
    fleetMonthlyNanoUsd: fleetMonthly,
    assumptions: [
      `on-demand: the router at ${memoryMb} MB${router?.managedInstances ? ' (the on-demand default; this stack runs it on Managed Instances)' : ''} for ${Math.round(latencyMs)} ms of model latency and ${usage.routerOverheadMs} ms of its own, per request`,
      `Managed Instances, a month: ${fleetAssumption(FLEET.minimumInstances)}`,
      `the fleet runs in a VPC: ${NAT_GATEWAYS} NAT gateways ($${AWS_PRICES.natGatewayHour.usd} an hour each, with a public IPv4 address at $${AWS_PRICES.publicIpv4Hour.usd}) reach Bedrock and external providers, at $${AWS_PRICES.natGatewayGb.usd} a GB for ${usage.natBytesPerRequest.toLocaleString('en-US')} bytes a request`,
      "Lambda picks the fleet's Graviton instance types; m7g.large is the estimate's",
      'deploy it with -c compute=managed-instances (docs/deployment.md)',
    ],
  };
}
