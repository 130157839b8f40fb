import { Topic } from 'aws-cdk-lib/aws-sns';
import { CostLedger } from '../../lib/constructs/cost-ledger';
import { LedgerAggregator } from '../../lib/constructs/ledger-aggregator';
import { AGGREGATOR_BATCHING } from '../../lambda/adapters/dynamodb/ledger-table';
import { templateOf, testStack } from '../support/cdk';

function build() {
  const stack = testStack();
  const ledger = new CostLedger(stack, 'Ledger');
  const alertTopic = new Topic(stack, 'Alerts');
  const aggregator = new LedgerAggregator(stack, 'Aggregator', { ledger, alertTopic, ledgerRetentionDays: 90 });
  const template = templateOf(stack);
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
  return { template, functionId: id(aggregator.function), queueId: id(aggregator.failedBatches), topicId: id(alertTopic) };
}

describe('LedgerAggregator', () => {
  it('reads the ledger\'s stream of new images', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
  });

  it('takes only new attempt records, in order, one batch at a time, with partial batch responses and no bisecting', () => {
    const { template, functionId, queueId } = build();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: AGGREGATOR_BATCHING.batchSize,
      MaximumBatchingWindowInSeconds: AGGREGATOR_BATCHING.windowSeconds,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: false,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10_000,
      MaximumRecordAgeInSeconds: 12 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'ATTEMPT#' }] } } } }) }] },
    });
  });

  it('may write only aggregate counters and markers, and nothing else in the table', () => {
    const { template, functionId } = build();
    const role = (template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'] as string[])[0]!;
    const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }));
    const statements = policies.flatMap((policy) => policy['Properties'].PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[]);
    const writes = statements.filter((statement) => [statement.Action].flat().some((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action)));
    expect(writes).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGG#*', 'AGGMARK#*'] } },
      }),
    ]);
    const reads = statements.filter((statement) => [statement.Action].flat().some((action) => /^dynamodb:(Get|Query|Scan|BatchGet)/.test(action) && action !== 'dynamodb:GetRecords' && action !== 'dynamodb:GetShardIterator'));
    expect(reads).toEqual([]);
  });

  it('alarms on the alert topic when records reach the on-failure queue, when it falls 5 minutes behind, and when it logs an error', () => {
    const { template, queueId, functionId, topicId } = build();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm['Properties']);
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(alarms.find((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible')!.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]);
    expect(alarms.find((alarm) => alarm.MetricName === 'IteratorAge')).toMatchObject({ Threshold: 300_000, Statistic: 'Maximum', Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }] });
    expect(alarms.find((alarm) => alarm.MetricName === 'AggregatorErrors')).toMatchObject({ Threshold: 1, Namespace: 'Switchyard' });
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.level = "ERROR" }' });
  });
});
