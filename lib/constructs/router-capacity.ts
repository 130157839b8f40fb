import { Validations } from 'aws-cdk-lib';
import { CfnSecurityGroup, GatewayVpcEndpointAwsService, SecurityGroup, Subnet, SubnetType, Vpc, type ISecurityGroup, type ISubnet } from 'aws-cdk-lib/aws-ec2';
import { Architecture, CapacityProvider, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface RouterCapacityProps {
  /** The function the fleet runs: the router. */
  readonly router: IFunction;
  /** The VPC and private subnets (with a route out) to run in. @default a VPC of the stack's own */
  readonly network?: { readonly vpcId: string; readonly subnetIds: readonly string[] } | undefined;
}

/**
 * The router on Lambda Managed Instances (`-c compute=managed-instances`): a
 * capacity provider whose arm64 EC2 instances serve many requests at once
 * per execution environment, billed by the instance-hour, where on-demand
 * Lambda bills every millisecond each request waits for its model.
 *
 * The instances run in private subnets and reach everything through them:
 * DynamoDB through a gateway endpoint (free), and Bedrock, Step Functions,
 * Secrets Manager, CloudWatch and the external providers through a NAT
 * gateway per zone. Given `network`, they run in the operator's subnets,
 * whose routes out are the operator's. API Gateway keeps invoking the
 * function's unqualified ARN, which Lambda serves from the version it
 * publishes on each deploy (`$LATEST.PUBLISHED`).
 */
export class RouterCapacity extends Construct {
  readonly capacityProvider: CapacityProvider;
  /** The VPC the stack created, when it was not given one. */
  readonly vpc: Vpc | undefined;

  constructor(scope: Construct, id: string, props: RouterCapacityProps) {
    super(scope, id);
    let subnets: ISubnet[];
    let securityGroup: ISecurityGroup;
    if (props.network) {
      subnets = props.network.subnetIds.map((subnetId, index) => Subnet.fromSubnetId(this, `Subnet${index}`, subnetId));
      // Outbound only: nothing connects in to an instance; Lambda's own agent reaches it without an inbound rule.
      const group = new CfnSecurityGroup(this, 'InstancesSecurityGroup', {
        vpcId: props.network.vpcId,
        groupDescription: 'Switchyard router instances: outbound only',
        securityGroupEgress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0', description: 'AWS APIs and model providers' }],
      });
      securityGroup = SecurityGroup.fromSecurityGroupId(this, 'ImportedGroup', group.attrGroupId);
      this.vpc = undefined;
    } else {
      this.vpc = new Vpc(this, 'Network', {
        maxAzs: 3,
        natGateways: 3,
        // The default group is unused; restricting it would add a custom-resource function to the stack.
        restrictDefaultSecurityGroup: false,
        subnetConfiguration: [
          { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'instances', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        ],
        gatewayEndpoints: { DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
      });
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions-VPC7',
        reason: 'Flow logs would bill for every request the router makes; the ledger and the access log already record each request. Add them where policy requires.',
      });
      subnets = this.vpc.privateSubnets;
      securityGroup = new SecurityGroup(this, 'InstancesSecurityGroup', { vpc: this.vpc, description: 'Switchyard router instances: outbound only', allowAllOutbound: true });
    }

    this.capacityProvider = new CapacityProvider(this, 'Provider', {
      subnets,
      securityGroups: [securityGroup],
      architectures: [Architecture.ARM_64],
    });
    Validations.of(this.capacityProvider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]',
      reason: "AWS's policy for the role Lambda assumes to run the fleet's instances, scoped by AWS to the instances it manages.",
    });
    // Node's default: 64 requests at once per vCPU, each mostly waiting on its model. Published on every deploy, so the API's invocations of the function's ARN reach the new code.
    this.capacityProvider.addFunction(props.router, { publishToLatestPublished: true });
    if (this.vpc) {
      // Lambda starts the fleet's first environments as the function is created: the routes out must exist by then, as CDK ensures for a function in a VPC.
      const routesOut = this.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS }).internetConnectivityEstablished;
      this.capacityProvider.node.addDependency(routesOut);
      props.router.node.addDependency(routesOut);
    }
  }
}
