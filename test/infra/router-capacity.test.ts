/**
 * `-c compute=managed-instances`: the router on a Lambda Managed Instances
 * capacity provider, in a VPC of the stack's own or the operator's, and the
 * AWS bill that follows from that template.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp, synthesizeTemplate } from '../../lib/app';
import { awsBillOf, type AwsCostLine } from '../../lib/audit/aws-bill';
import { managedInstancesBreakEven } from '../../lib/audit/managed-instances';
import { DOCUMENTED_MODES } from '../support/cdk';

const synth = (context: Record<string, unknown>) => Template.fromStack(createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } }).stack);
const byPart = (template: Template, part: string) =>
  Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Tags: Match.arrayWith([{ Key: 'switchyard:part', Value: part }]) } }))[0]!.Properties;

describe('the router on Lambda Managed Instances', () => {
  it('is not the default: the router is an on-demand function outside any VPC', () => {
    const template = synth({});
    template.resourceCountIs('AWS::Lambda::CapacityProvider', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(byPart(template, 'router').CapacityProviderConfig).toBeUndefined();
    expect(byPart(template, 'router').MemorySize).toBe(256);
  });

  it('runs the router alone on an arm64 capacity provider in the private subnets of a VPC it creates, at 2 GB', () => {
    const template = synth(DOCUMENTED_MODES['managedInstances']!);
    const providers = template.findResources('AWS::Lambda::CapacityProvider');
    const [providerId, provider] = Object.entries(providers)[0]!;
    expect(Object.keys(providers)).toHaveLength(1);
    expect(provider.Properties.InstanceRequirements.Architectures).toEqual(['arm64']);
    const router = byPart(template, 'router');
    expect(router.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig.CapacityProviderArn).toEqual({ 'Fn::GetAtt': [providerId, 'Arn'] });
    expect(router.MemorySize).toBe(2048);
    // The fallback's attempts stay on-demand at the on-demand default: they are 1% of requests.
    expect(byPart(template, 'attempt').CapacityProviderConfig).toBeUndefined();
    expect(byPart(template, 'attempt').MemorySize).toBe(256);

    const privateSubnets = Object.entries(template.findResources('AWS::EC2::Subnet')).filter(([id]) => id.includes('instances')).map(([id]) => ({ Ref: id }));
    expect(privateSubnets.length).toBeGreaterThanOrEqual(2);
    expect(provider.Properties.VpcConfig.SubnetIds).toEqual(privateSubnets);
    // A route out per zone, ready before Lambda starts the fleet, and DynamoDB through a free gateway endpoint rather than the NAT gateways.
    template.resourceCountIs('AWS::EC2::NatGateway', privateSubnets.length);
    const routesOut = Object.keys(template.findResources('AWS::EC2::Route')).filter((id) => id.includes('instances') && id.includes('DefaultRoute'));
    expect(routesOut).toHaveLength(privateSubnets.length);
    const routerResource = Object.values(template.findResources('AWS::Lambda::Function')).find((resource) => resource.Properties.CapacityProviderConfig)!;
    for (const dependent of [provider, routerResource]) expect(dependent.DependsOn).toEqual(expect.arrayContaining(routesOut));
    expect(routerResource.Properties.PublishToLatestPublished).toBe(true);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.dynamodb'])]) }) });
    // Nothing may connect in to an instance.
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it("runs in the operator's subnets when given them, and creates no network", () => {
    const template = synth(DOCUMENTED_MODES['managedInstancesInYourVpc']!);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::Lambda::CapacityProvider', { VpcConfig: { SubnetIds: ['subnet-0abc1234', 'subnet-0def5678'] } });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234def567890', SecurityGroupIngress: Match.absent() });
  });

  it.each([
    [{ compute: 'managed-instances', routerMemoryMb: 1024 }, /-c routerMemoryMb: is 1024; Lambda Managed Instances needs at least 2048/],
    [{ compute: 'managed-instances', vpcId: 'vpc-0abc1234def567890' }, /-c subnetIds: give both -c vpcId and -c subnetIds/],
    [{ subnetIds: 'subnet-0abc1234' }, /-c subnetIds: only applies with -c compute=managed-instances/],
    [{ compute: 'managed-instances', vpcId: 'vpc-0abc1234def567890', subnetIds: 'subnet-0abc1234,sg-0def5678' }, /-c subnetIds: must be 1 to 16 subnet ids/],
    [{ compute: 'ec2' }, /-c compute: /],
  ])('refuses settings that do not fit, naming the setting: %j', (context, message) => {
    expect(() => createSwitchyardApp({ context })).toThrow(message);
  });
});

describe('the AWS bill on Managed Instances', () => {
  const traffic = (requests: number) => ({ requests, fallbacks: requests / 100, modelLatencyMs: requests * 2000 });
  const cost = (lines: readonly AwsCostLine[], part: string) => lines.find((line) => line.part === part)?.costNanoUsd;
  const routerAndFleet = (lines: readonly AwsCostLine[]) =>
    lines.filter((line) => /^Router Lambda|Managed Instances|NAT/.test(line.part)).reduce((sum, line) => sum + line.costNanoUsd, 0n);
  const onDemand = synthesizeTemplate();
  const managed = synthesizeTemplate(DOCUMENTED_MODES['managedInstances']);

  it('bills the router its requests only, and the fleet and its NAT gateways by the hour', () => {
    const lines = awsBillOf(managed, traffic(10_000_000));
    // 10M requests at $0.20 a million, and no GB-seconds.
    expect(cost(lines, 'Router Lambda (Managed Instances)')).toBe(2_000_000_000n);
    // The smallest fleet: 3 m7g.large for 730 hours at $0.0816, and 15% more.
    expect(cost(lines, 'Lambda Managed Instances')).toBe(205_509_600_000n);
    expect(cost(lines, 'NAT gateways')).toBeGreaterThan(0n);
    expect(cost(awsBillOf(onDemand, traffic(10_000_000)), 'Lambda Managed Instances')).toBeUndefined();
  });

  it('costs more than on-demand at the worked example, and less past the break-even the audit prints', () => {
    const breakEven = managedInstancesBreakEven(onDemand, 2000).requestsPerMonth;
    expect(routerAndFleet(awsBillOf(managed, traffic(10_000_000)))).toBeGreaterThan(routerAndFleet(awsBillOf(onDemand, traffic(10_000_000))));
    const past = Math.round(breakEven * 1.5);
    expect(routerAndFleet(awsBillOf(managed, traffic(past)))).toBeLessThan(routerAndFleet(awsBillOf(onDemand, traffic(past))));
  });

  it('weighs a stack already on Managed Instances against its router on demand, at the on-demand default, not its 2 GB', () => {
    const weighed = managedInstancesBreakEven(managed, 2000);
    expect(weighed.requestsPerMonth).toBe(managedInstancesBreakEven(onDemand, 2000).requestsPerMonth);
    expect(weighed.assumptions[0]).toContain('256 MB (the on-demand default; this stack runs it on Managed Instances)');
  });
});
