import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES } from '../bundling';
import type { CostLedger } from './cost-ledger';
import { createNodeFunction } from './node-function';
import { thresholdAlarm } from './threshold-alarm';
import { AGGREGATOR_BATCHING, ATTEMPT_SORT_PREFIX, KEY_PREFIXES, LEDGER_KEYS } from '../../lambda/adapters/dynamodb/ledger-table';
import { ENVIRONMENT } from '../../lambda/contract/deployment';

export interface LedgerAggregatorProps {
  readonly ledger: CostLedger;
  /** Where its alarms notify. */
  readonly alertTopic: ITopic;
  /** How long a day's counters live. */
  readonly ledgerRetentionDays: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The daily aggregates, built off the request path: the ledger's stream of
 * new attempt records feeds the aggregator function, which sums each batch
 * and writes every counter once per batch, in one transaction with a marker.
 *
 * The event source mapping is set for exactness, not speed:
 * - one batch at a time per shard (parallelization 1), in stream order;
 * - partial batch responses on: a failed chunk is delivered again from its
 *   first record, and the chunks before it are not;
 * - bisect-on-error off: a split at an arbitrary record could start a batch
 *   inside a chunk already counted, which the markers cannot see. The
 *   function skips unreadable records itself, so one cannot block a shard;
 * - retries for 12 hours (a DynamoDB outage), then the batch's shard and
 *   sequence range go to the on-failure queue, which alarms: rebuild those
 *   days with `npm run rebuild-aggregates`.
 */
export class LedgerAggregator extends Construct {
  readonly function: NodejsFunction;
  readonly failedBatches: Queue;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LedgerAggregatorProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.function = createNodeFunction(this, 'Function', {
      traced: false,
      entry: LAMBDA_ENTRIES.aggregator,
      memorySize: 256,
      timeout: Duration.minutes(1),
      logGroup,
      environment: {
        [ENVIRONMENT.ledgerTableName]: props.ledger.table.tableName,
        [ENVIRONMENT.ledgerRetentionDays]: String(props.ledgerRetentionDays),
      },
    });
    props.ledger.grantWrite(this.function, { onlyKeysStartingWith: [KEY_PREFIXES.aggregate, KEY_PREFIXES.aggregateMarker] });

    this.failedBatches = new Queue(this, 'FailedBatches', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.failedBatches).acknowledge({ id, reason: 'This queue is the on-failure destination of the aggregator: it holds the stream ranges that could not be counted.' });
    }
    this.function.addEventSource(
      new DynamoEventSource(props.ledger.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: AGGREGATOR_BATCHING.batchSize,
        maxBatchingWindow: Duration.seconds(AGGREGATOR_BATCHING.windowSeconds),
        parallelizationFactor: 1,
        reportBatchItemFailures: true,
        bisectBatchOnError: false,
        retryAttempts: 10_000,
        maxRecordAge: Duration.hours(12),
        onFailure: new SqsDlq(this.failedBatches),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { [LEDGER_KEYS.sortKey]: { S: FilterRule.beginsWith(ATTEMPT_SORT_PREFIX) } } },
          }),
        ],
      }),
    );

    const alert = new SnsAction(props.alertTopic);
    this.alarms = [
      thresholdAlarm(this, 'FailedBatchesAlarm', {
        description: 'ledger records could not be counted into the daily aggregates and are in the aggregator\'s on-failure queue; rebuild their days with npm run rebuild-aggregates.',
        metric: this.failedBatches.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
      }),
      thresholdAlarm(this, 'LagAlarm', {
        description: 'the daily aggregates are more than 5 minutes behind the ledger (usage, reports and alert budgets lag with them).',
        metric: this.function.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 5 * 60 * 1000,
      }),
      thresholdAlarm(this, 'ErrorsAlarm', {
        description: 'the aggregator logged an error (an unreadable record, or a chunk it could not write); see its log group.',
        metric: logGroup
          .addMetricFilter('Errors', { filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'), metricNamespace: 'Switchyard', metricName: 'AggregatorErrors', metricValue: '1' })
          .metric({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
      }),
    ];
    for (const alarm of this.alarms) alarm.addAlarmAction(alert);
  }
}
