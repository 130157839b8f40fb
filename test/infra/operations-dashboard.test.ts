import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';

describe('OperationsDashboard, in the deployed app', () => {
  const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const topicId = stack.getLogicalId(stack.alerts.topic.node.defaultChild as never);
  const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');

  it('alarms on 5xx rate, fallback rate, spend past the budget, authorizer errors and throttling, all on the alert topic', () => {
    const descriptions = alarms.map((alarm) => alarm.Properties['AlarmDescription'] as string);
    for (const about of [/answered 5xx/, /fallbacks per 100 requests/, /passes the global budget of \$25/, /authorizer failed/, /throttling the router/, /providers are throttling/, /rollup failed/]) {
      expect(descriptions.some((description) => about.test(description))).toBe(true);
    }
    for (const alarm of alarms) expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
  });

  it('computes the rates from the router metrics, and the projection from the last hour of spend', () => {
    const byDescription = (about: RegExp) => alarms.find((alarm) => about.test(alarm.Properties['AlarmDescription']))!.Properties;
    const errorRate = byDescription(/answered 5xx/);
    expect(errorRate['Threshold']).toBe(5);
    expect(JSON.stringify(errorRate["Metrics"])).toMatch(/IF\(m\d+ > 0, 100 \* m\d+ \/ m\d+, 0\)/);
    expect(JSON.stringify(errorRate['Metrics'])).toMatch(/"MetricName":"ServerErrors"[^]*"MetricName":"Requests"|"MetricName":"Requests"[^]*"MetricName":"ServerErrors"/);
    const projection = byDescription(/global budget/);
    expect(JSON.stringify(projection["Metrics"])).toMatch(/24 \* spent \/ 1000000000/);
  });

  it('shows spend by tier and model, the saving, traffic by route, the gateway apart from the providers, and circuit openings', () => {
    const dashboard = Object.values(resources).find((resource) => resource.Type === 'AWS::CloudWatch::Dashboard')!;
    const body = JSON.stringify(dashboard.Properties['DashboardBody']);
    for (const title of ['Spend per hour by tier', 'Spend per hour by model', 'saving against always-flagship', 'By route', "the gateway's own", 'Circuit openings', 'Budget use']) {
      expect(body).toContain(title);
    }
    for (const name of ['GatewayOverhead', 'ProviderLatency', 'FlagshipCostNanoUsd', 'CircuitOpened']) expect(body).toContain(name);
  });
});
