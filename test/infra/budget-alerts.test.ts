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
    // A key of its own, which CloudWatch may use: alarms cannot publish to a topic under the AWS-managed SNS key.
    const keyId = resources[topicId]!.Properties['KmsMasterKeyId']['Fn::GetAtt'][0] as string;
    expect(resources[keyId]!.Properties['EnableKeyRotation']).toBe(true);
    expect(JSON.stringify(resources[keyId]!.Properties['KeyPolicy'])).toMatch(/"Service":"cloudwatch.amazonaws.com"/);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'finops@example.com' });
    const policies = Object.values(resources).filter((resource) => resource.Type === 'AWS::SNS::TopicPolicy');
    expect(JSON.stringify(policies)).toMatch(/"aws:SecureTransport":"false"/);
    expect(Object.values(synth().resources).filter((resource) => resource.Type === 'AWS::SNS::Subscription').length).toBe(0);
  });

  it('lets CloudWatch publish to the topic and use its key for this account\'s alarms in this Region only, and the scheduler use the key of its dead-letter queue', () => {
    const { resources, topicId } = synth();
    const keyId = resources[topicId]!.Properties['KmsMasterKeyId']['Fn::GetAtt'][0] as string;
    const statements = (document: { Statement: Record<string, any>[] }) => document.Statement;
    const topicPolicy = Object.values(resources).find((resource) => resource.Type === 'AWS::SNS::TopicPolicy')!;
    const publish = statements(topicPolicy.Properties['PolicyDocument']).find((statement) => statement['Effect'] === 'Allow')!;
    expect(publish).toMatchObject({ Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } });
    // Every service principal the key or the topic trusts is held to this account's own alarms.
    const trusted = [...statements(resources[keyId]!.Properties['KeyPolicy']), publish].filter((statement) => statement['Principal']?.Service !== undefined);
    expect(trusted.length).toBe(2);
    for (const statement of trusted) {
      expect(JSON.stringify(statement['Condition']['ArnLike']['aws:SourceArn'])).toMatch(/":cloudwatch:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":alarm:\*"/);
      expect(statement['Condition']['StringEquals']['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    }
    const schedulerPolicy = Object.entries(resources).find(([id, resource]) => resource.Type === 'AWS::IAM::Policy' && id.includes('SchedulerRole'))![1];
    const keyGrant = statements(schedulerPolicy.Properties['PolicyDocument']).find((statement) => JSON.stringify(statement['Action']).includes('kms:'))!;
    expect(keyGrant).toMatchObject({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('sends failed rollup runs to an encrypted queue, and alarms on the topic when a run fails or lands there', () => {
    const { resources, rollupId, topicId } = synth();
    const queueId = Object.entries(resources).find(([, resource]) => resource.Type === 'AWS::SQS::Queue')![0];
    const invokeConfig = Object.values(resources).find((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')!;
    expect(invokeConfig.Properties['DestinationConfig']).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    expect(invokeConfig.Properties['FunctionName']).toEqual({ Ref: rollupId });
    const schedules = Object.values(resources).filter((resource) => resource.Type === 'AWS::Scheduler::Schedule');
    for (const schedule of schedules) expect(schedule.Properties['Target'].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    const alarms = Object.entries(resources)
      .filter(([logicalId, resource]) => resource.Type === 'AWS::CloudWatch::Alarm' && logicalId.startsWith('BudgetAlerts'))
      .map(([, resource]) => resource);
    expect(alarms.map((alarm) => alarm.Properties['MetricName']).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors']);
    for (const alarm of alarms) expect(alarm.Properties['AlarmActions']).toEqual([{ Ref: topicId }]);
  });

  it('gives the rollup reads and writes of the ledger, publishing to its topic, sending to its dead-letter queue, and nothing else', () => {
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
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'sns:Publish',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const publish = statements.find((statement) => statement.Action === 'sns:Publish')!;
    expect(publish.Resource).toEqual({ Ref: topicId });
    const writes = statements.find((statement) => [statement.Action].flat().includes('dynamodb:PutItem')) as { Condition?: unknown };
    expect(writes.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERT#*', 'SUMMARY#*'] } });
    const reads = statements.filter((statement) => [statement.Action].flat().includes('dynamodb:Query')) as { Action: unknown; Condition?: unknown }[];
    expect(reads.map((statement) => statement.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGG#*', 'FEEDBACK#*'] } },
      // Managed keys' budgets, and no other attribute of their records: never a secret's hash.
      {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['APIKEY'], 'dynamodb:Attributes': ['pk', 'sk', 'keyId', 'limits', 'revokedAt'] },
        StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
    ]);
    expect(reads[1]!.Action).toBe('dynamodb:Query');
  });
});
