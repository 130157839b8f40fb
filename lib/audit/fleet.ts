/**
 * The router's Lambda Managed Instances fleet, sized and priced: what the AWS
 * bill charges for a stack deployed with `-c compute=managed-instances`, and
 * what the break-even weighs on-demand Lambda against.
 */
import { AWS_PRICES, HOURS_PER_MONTH, type AwsPriceName } from '../aws-prices';

/**
 * The fleet's shape: Lambda starts three instances (one per Availability
 * Zone) however little the traffic, and charges a management fee of 15% of
 * their EC2 on-demand price (https://aws.amazon.com/lambda/pricing/, read
 * 2026-12-05). An m7g.large has 2 vCPUs, an execution environment one (and
 * 2 GB), and Node serves 64 requests at once per vCPU; the fleet scales on CPU within minutes, so it is sized for twice
 * the mean number of requests in flight.
 */
export const FLEET = { minimumInstances: 3, feeShare: 0.15, environmentsPerInstance: 2, requestsPerInstance: 2 * 64, headroom: 2 } as const;

/** Instances for a mean number of requests in flight. */
export function fleetInstances(meanInFlight: number): number {
  return Math.max(FLEET.minimumInstances, Math.ceil((meanInFlight * FLEET.headroom) / FLEET.requestsPerInstance));
}

/** A bill line's quantities: each price and how many of its units. */
export type PricedQuantities = [AwsPriceName, number][];

/** `instances` m7g.large for `months`, with the management fee on top of their price. */
export function fleetQuantities(instances: number, months: number): PricedQuantities {
  return [['ec2M7gLargeHour', instances * HOURS_PER_MONTH * months * (1 + FLEET.feeShare)]];
}

/** NAT gateways with their public addresses, for `months`, and the GB they process. */
export function natQuantities(gateways: number, addresses: number, processedGb: number, months: number): PricedQuantities {
  return [
    ['natGatewayHour', gateways * HOURS_PER_MONTH * months],
    ['natGatewayGb', processedGb],
    ['publicIpv4Hour', addresses * HOURS_PER_MONTH * months],
  ];
}

/** The fleet's assumptions, in words. */
export function fleetAssumption(instances: number): string {
  return `${instances} m7g.large ($${AWS_PRICES.ec2M7gLargeHour.usd} an hour) and the ${FLEET.feeShare * 100}% management fee; Node serves 64 requests at once per vCPU, so the fleet holds ${instances * FLEET.requestsPerInstance} in flight`;
}
