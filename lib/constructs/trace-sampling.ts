import { Names } from 'aws-cdk-lib';
import { CfnSamplingRule } from 'aws-cdk-lib/aws-xray';
import type { Construct } from 'constructs';

/**
 * An X-Ray sampling rule for one API stage (`serviceName` is `<api name>/<stage>`):
 * `percent` of its requests, with no reservoir. X-Ray's default rule traces a
 * request a second and 5% more, about 3M traces ($15) a month at 10M
 * requests. API Gateway samples by this rule instead, and the router, the
 * fallback workflow and its attempts follow its decision.
 */
export function traceSampling(scope: Construct, serviceName: string, percent: number): CfnSamplingRule {
  return new CfnSamplingRule(scope, 'TraceSampling', {
    samplingRule: {
      ruleName: Names.uniqueResourceName(scope, { maxLength: 32 }),
      priority: 100,
      fixedRate: percent / 100,
      reservoirSize: 0,
      serviceName,
      serviceType: 'AWS::ApiGateway::Stage',
      host: '*',
      httpMethod: '*',
      urlPath: '*',
      resourceArn: '*',
      version: 1,
    },
  });
}
