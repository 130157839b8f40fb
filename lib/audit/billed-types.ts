/**
 * Which CloudFormation resource types the AWS bill (./aws-bill.ts) prices,
 * and which bill nothing by themselves: a test fails on a template resource
 * of a type in neither list, so a new billable resource cannot slip past the
 * audit.
 */

/** The types the bill reads, each billed on a line of `awsBillOf`. */
export const BILLED_TYPES = [
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Stage',
  'AWS::Lambda::Function',
  'AWS::StepFunctions::StateMachine',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Logs::LogGroup',
  'AWS::Logs::MetricFilter',
  'AWS::CloudWatch::Dashboard',
  'AWS::CloudWatch::Alarm',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Scheduler::Schedule',
  'AWS::WAFv2::WebACL',
  'AWS::Lambda::CapacityProvider',
  'AWS::EC2::NatGateway',
  'AWS::EC2::EIP',
] as const;

/**
 * Resource types that bill nothing by themselves, and why: the test fails on
 * a type in neither this list nor the bill, so a new billable resource cannot
 * slip past the audit.
 */
export const UNBILLED_TYPES: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'IAM is free',
  'AWS::IAM::Policy': 'IAM is free',
  'AWS::Lambda::Permission': 'a resource policy',
  'AWS::Lambda::EventInvokeConfig': 'configuration; failures land on an SQS queue, billed there',
  'AWS::Lambda::EventSourceMapping': "Lambda's reads of a DynamoDB stream are free",
  'AWS::ApiGateway::Account': 'configuration',
  'AWS::ApiGateway::Deployment': 'configuration',
  'AWS::ApiGateway::Resource': 'configuration',
  'AWS::ApiGateway::Method': 'configuration; requests bill on the API line',
  'AWS::ApiGateway::GatewayResponse': 'configuration',
  'AWS::ApiGateway::UsagePlan': 'configuration',
  'AWS::ApiGateway::UsagePlanKey': 'configuration',
  'AWS::ApiGateway::ApiKey': 'configuration',
  'AWS::ApiGateway::Authorizer': 'configuration; its function bills on its own line',
  'AWS::ApiGateway::DomainName': 'a regional custom domain bills nothing; its ACM certificate is free',
  'AWS::ApiGateway::BasePathMapping': 'configuration',
  'AWS::SNS::TopicPolicy': 'a resource policy',
  'AWS::SNS::Subscription': 'e-mail deliveries bill with the topic (a few a day)',
  'AWS::SQS::QueuePolicy': 'a resource policy',
  'AWS::WAFv2::WebACLAssociation': 'configuration; the web ACL bills',
  'AWS::XRay::SamplingRule': 'configuration; traces bill on the X-Ray line',
  'AWS::CDK::Metadata': "the CDK's own record",
  'AWS::EC2::VPC': 'a VPC is free; its NAT gateways bill',
  'AWS::EC2::Subnet': 'free',
  'AWS::EC2::RouteTable': 'free',
  'AWS::EC2::Route': 'free',
  'AWS::EC2::SubnetRouteTableAssociation': 'free',
  'AWS::EC2::InternetGateway': 'free; what leaves through it bills as data transfer, with the providers',
  'AWS::EC2::VPCGatewayAttachment': 'free',
  'AWS::EC2::VPCEndpoint': "a gateway endpoint (DynamoDB's) is free",
  'AWS::EC2::SecurityGroup': 'free',
};
