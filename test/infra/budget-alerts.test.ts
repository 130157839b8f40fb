import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';

function synth(context: Record<string, unknown> = {}) {
  const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
  const rollupId = stack.getLogicalId(stack.alerts.rollupFunction.node.defaultChild as never);
  return { template, resources, rollupId, topicId: stack.getLogicalId(stack.alerts.topic.node.defaultChild as never) };
}

describe('BudgetAlerts', () => {
  it('runs the rollup daily at a local time for the days that ended, and hourly for today', () => {
    const { resources } = synth({ rollupAt: '07:30', rollupTimeZone: 'Europe/Berlin' });
    const schedules = Object.values(resources).filter((resource) => resource.Type === 'AWS::Scheduler::Schedule');
    const byExpression = Object.fromEntries(
      schedules.map((schedule) => [schedule.Properties['ScheduleExpression'], [schedule.Properties['ScheduleExpressionTimezone'], schedule.Properties['Target'].Input]]),
    );
    expect(byExpression['cron(30 7 * * ? *)']).toEqual(['Europe/Berlin', '{"day":"ended"}']);
    expect(byExpression['rate(1 hour)']?.[1]).toEqual('{"day":"today"}');
  });

  it('can leave out the hourly check', () => {
    const { resources } = synth({ hourlyBudgetCheck: 'false' });
    expect(Object.values(resources).filter((resource) => resource.Type === 'AWS::Scheduler::Schedule').length).toBe(1);
  });

  it('encrypts the topic, refuses non-TLS publishing, and subscribes the alert e-mail when given', () => {
    const { template, resources, topicId } = synth({ alertEmail: 'finops@example.com' });
    expect(JSON.stringify(resources[topicId]!.Properties['KmsMasterKeyId'])).toMatch(/alias\/aws\/sns/);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finops@example.com' });
    const policies = Object.values(resources).filter((resource) => resource.Type === 'AWS::SNS::TopicPolicy');
    expect(JSON.stringify(policies)).toMatch(/"aws:SecureTransport":"false"/);
    expect(Object.values(synth().resources).filter((resource) => resource.Type === 'AWS::SNS::Subscription').length).toBe(0);
  });

  it('gives the rollup reads and writes of the ledger, publishing to its topic, and nothing else', () => {
    const { resources, rollupId, topicId } = synth();
    const role = resources[rollupId]!.Properties['Role']['Fn::GetAtt'][0] as string;
    const statements = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties['Roles']).includes(role))
      .flatMap((policy) => policy.Properties['PolicyDocument'].Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((statement) => [statement.Action].flat()).sort();
    expect(actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'sns:Publish',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const publish = statements.find((statement) => statement.Action === 'sns:Publish')!;
    expect(publish.Resource).toEqual({ Ref: topicId });
    const writes = statements.find((statement) => [statement.Action].flat().includes('dynamodb:PutItem')) as { Condition?: unknown };
    expect(writes.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERT#*', 'SUMMARY#*'] } });
  });
});
