import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** An app that skips esbuild bundling: construct tests check templates, not bundles. */
export function unbundledApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

export function testStack(): Stack {
  return new Stack(unbundledApp(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Renders CloudFormation string expressions readably: {Fn::Join} joined, {Ref: X} as ${X}. */
export function rendered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rendered);
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return `\${${String(object['Ref'])}}`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(rendered(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, rendered(inner)]));
  }
  return value;
}

/** Every mode docs/deployment.md documents, as its -c settings. */
export const DOCUMENTED_MODES: Readonly<Record<string, Record<string, unknown>>> = {
  managed: {},
  apiKey: { auth: 'apiKey' },
  iam: { auth: 'iam' },
  waf: { wafRateLimit: 2000 },
  customDomain: { customDomain: 'api.example.com@arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234' },
  eu: { region: 'eu-west-1' },
  apac: { region: 'ap-southeast-1' },
  workflowLogs: { workflowLogLevel: 'ALL', alertEmail: 'ops@example.com', requestTimeoutMs: 300000 },
  managedInstances: { compute: 'managed-instances' },
  managedInstancesInYourVpc: { compute: 'managed-instances', vpcId: 'vpc-0abc1234def567890', subnetIds: 'subnet-0abc1234,subnet-0def5678' },
};

