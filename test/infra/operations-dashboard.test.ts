import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';

describe('OperationsDashboard, in the deployed app', () => {
  const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const topicId = stack.getLogicalId(stack.alerts.topic.node.defaultChild as never);
  const alarms = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');

  const descriptionOf = (alarm: (typeof alarms)[number]) => alarm.Properties['AlarmDescription'] as string;
  const byDescription = (about: RegExp) => alarms.find((alarm) => about.test(descriptionOf(alarm)))!.Properties;

  /**
   * Every alarm, with what its metric reads at the README's normal traffic
   * (10M requests a month, 2 s answers, 1% fallbacks, streamed answers up to
   * 20 s): an alarm missing here fails the test, so each new one gets a
   * normal value, and none may sit in ALARM at normal traffic.
   */
  const NORMAL: readonly [RegExp, number][] = [
    [/answered 5xx, as API Gateway counts them/, 0.5],
    [/refused with 4xx, 429 throttling included/, 3],
    [/p99 latency within 10% of the API's 29 s limit/, 20_000],
    [/the router never counted/, 0],
    [/fallbacks per 100 requests/, 1],
    [/router function failed/, 0],
    [/throttling the router/, 0],
    [/attempt function failed/, 0],
    [/throttling the fallback attempt function/, 0],
    [/fallback workflow failed/, 0],
    [/fallback workflow timed out/, 0],
    [/throttling the ledger table/, 0],
    [/providers are throttling/, 2],
    [/authorizer failed/, 0],
    [/rollup failed/, 0],
    [/rollup run failed for good/, 0],
    [/aggregator's on-failure queue/, 0],
    [/more than 5 minutes behind the ledger/, 2000],
    [/aggregator logged an error/, 0],
    [/shadow jobs failed/, 0],
  ];

  it('covers what breaks, each alarm on the alert topic, none in ALARM at normal traffic', () => {
    for (const alarm of alarms) {
      const normal = NORMAL.find(([about]) => about.test(descriptionOf(alarm)));
      expect([descriptionOf(alarm), normal !== undefined]).toEqual([descriptionOf(alarm), true]);
      expect(alarm.Properties['ComparisonOperator']).toBe('GreaterThanOrEqualToThreshold');
      expect(normal![1]).toBeLessThan(alarm.Properties['Threshold']);
      expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
    }
    for (const [about] of NORMAL) expect([String(about), alarms.some((alarm) => about.test(descriptionOf(alarm)))]).toEqual([String(about), true]);
    // Spend is the rollup's to watch, from the ledger, against each budget: no alarm reads it (a $25 budget sat in ALARM at the README's volume).
    for (const alarm of alarms) expect(JSON.stringify(alarm.Properties)).not.toContain('CostNanoUsd');
  });

  it("reads API Gateway's own counts for error rates and latency, and takes a router that answers nothing as breaching", () => {
    const errorRate = byDescription(/answered 5xx/);
    expect([errorRate['Threshold'], errorRate['EvaluationPeriods'], errorRate['DatapointsToAlarm']]).toEqual([5, 3, 2]);
    expect(JSON.stringify(errorRate['Metrics'])).toMatch(/"MetricName":"5XXError","Namespace":"AWS\/ApiGateway"\},"Period":300,"Stat":"Average"/);
    expect(JSON.stringify(byDescription(/refused with 4xx/)['Metrics'])).toMatch(/"MetricName":"4XXError"/);
    expect(byDescription(/p99 latency/)).toMatchObject({ MetricName: 'Latency', Namespace: 'AWS/ApiGateway', ExtendedStatistic: 'p99', Threshold: 26_100 });
    // A router that crashes emits no metrics of its own: FILL reads its missing count as 0 while API Gateway counts requests.
    const silent = JSON.stringify(byDescription(/the router never counted/)['Metrics']);
    expect(silent).toMatch(/IF\(m\d+ >= 5 AND FILL\(m\d+, 0\) == 0, 1, 0\)/);
    expect(silent).toMatch(/"MetricName":"Count","Namespace":"AWS\/ApiGateway"/);
    expect(silent).toMatch(/"MetricName":"Requests","Namespace":"Switchyard"/);
    expect(byDescription(/fallback workflow timed out/)).toMatchObject({ MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' });
    expect(JSON.stringify(byDescription(/throttling the ledger table/)['Metrics'])).toMatch(/ThrottledRequests[^]*TransactWriteItems/);
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
