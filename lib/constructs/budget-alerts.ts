/**
 * Constructs: one CDK construct per concern (API, functions, fallback
 * workflow, ledger, aggregator, alerts, dashboard), with readonly props and
 * grants through methods.
 */
import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES } from '../bundling';
import type { CostLedger } from './cost-ledger';
import { thresholdAlarm } from './threshold-alarm';
import { acknowledgeInvokeGrant, createNodeFunction, withPolicyFile } from './node-function';
import { KEY_PREFIXES } from '../../lambda/adapters/dynamodb/ledger-table';
import { ENVIRONMENT } from '../../lambda/contract/deployment';

export interface BudgetAlertsProps {
  readonly ledger: CostLedger;
  /** The policy file (budgets and thresholds), copied into the bundle as `policy.json`. */
  readonly policyFile: string;
  /** Subscribes this address to the alerts topic. @default no subscription */
  readonly alertEmail?: string;
  /** When the daily rollup (of the day just ended) runs. @default { hour: 0, minute: 15 } */
  readonly dailyAt?: { readonly hour: number; readonly minute: number };
  /** IANA time zone of `dailyAt`. @default 'UTC' */
  readonly timeZone?: string;
  /** Also check the day so far every hour, for intra-day thresholds and projections. @default true */
  readonly hourly?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * Budget alerts: an encrypted SNS topic, the rollup function, and EventBridge
 * Scheduler runs of it (daily at a local time, and hourly). The rollup reads
 * aggregates and writes only its summary and alert claims.
 */
export class BudgetAlerts extends Construct {
  readonly topic: Topic;
  readonly rollupFunction: NodejsFunction;
  /** Rollup runs that failed for good. */
  readonly deadLetters: Queue;
  readonly rollupFailures: Alarm;
  readonly rollupDeadLetters: Alarm;

  constructor(scope: Construct, id: string, props: BudgetAlertsProps) {
    super(scope, id);
    // A key of our own: CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.
    const key = new Key(this, 'TopicKey', { description: 'Switchyard: encrypts the alert topic and the rollup dead-letter queue', enableKeyRotation: true });
    this.topic = new Topic(this, 'Topic', { displayName: 'Switchyard budget alerts', masterKey: key, enforceSSL: true });
    // The topic's policy replaces SNS's default one: CloudWatch may publish, and use the key, for this account's alarms in this Region only.
    const { account, region, partition } = Stack.of(this);
    const fromOurAlarms = {
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      StringEquals: { 'aws:SourceAccount': account },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.topic.addToResourcePolicy(new PolicyStatement({ sid: 'CloudWatchAlarmsPublish', principals: [cloudWatch], actions: ['sns:Publish'], resources: [this.topic.topicArn], conditions: fromOurAlarms }));
    key.addToResourcePolicy(new PolicyStatement({ sid: 'CloudWatchAlarmsUseKey', principals: [cloudWatch], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'], conditions: fromOurAlarms }));
    if (props.alertEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alertEmail));
      Validations.of(this.topic).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'SNS retries e-mail deliveries itself; every alert is also in the rollup log and the day\'s summary item, so a dead-letter queue nobody reads would add nothing.',
      });
    }

    // The scheduler invokes the rollup asynchronously: a run that still fails after Lambda's retries lands here, and alarms.
    this.deadLetters = new Queue(this, 'RollupDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetters).acknowledge({ id, reason: 'This queue is where failed rollup runs end up (the function\'s on-failure destination and the schedules\' dead-letter queue); it needs none of its own.' });
    }
    this.rollupFunction = createNodeFunction(this, 'Rollup', {
      traced: false,
      deadLetterQueue: this.deadLetters,
      entry: LAMBDA_ENTRIES.rollup,
      memorySize: 256,
      timeout: Duration.minutes(1),
      logGroup: new LogGroup(this, 'RollupLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH }),
      environment: { [ENVIRONMENT.ledgerTableName]: props.ledger.table.tableName, [ENVIRONMENT.alertTopicArn]: this.topic.topicArn },
      commandHooks: withPolicyFile(props.policyFile),
    });
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      Validations.of(this.rollupFunction).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `Publishing to the KMS-encrypted alert topic and sending to the encrypted dead-letter queue take ${action} (as CDK grants it) on that one key only.`,
      });
    }
    // The day's aggregates and feedback, and the managed keys' budgets without their secrets' hashes.
    props.ledger.grantRead(this.rollupFunction, { onlyKeysStartingWith: [KEY_PREFIXES.aggregate, KEY_PREFIXES.feedback] });
    props.ledger.grantKeyBudgetRead(this.rollupFunction);
    props.ledger.grantWrite(this.rollupFunction, { onlyKeysStartingWith: [KEY_PREFIXES.alert, KEY_PREFIXES.summary] });
    this.topic.grantPublish(this.rollupFunction);

    acknowledgeInvokeGrant(this, this.rollupFunction, 'The scheduler may invoke the rollup function by any of its versions or aliases, and no other function.');
    const schedulerRole = new Role(this, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    // A run the scheduler cannot deliver goes to the dead-letter queue, which the key encrypts: sending there takes the key too.
    key.grant(schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    const dailyAt = props.dailyAt ?? { hour: 0, minute: 15 };
    new Schedule(this, 'Daily', {
      description: 'Switchyard: roll up the days that have ended and alert on their budgets',
      schedule: ScheduleExpression.cron({
        hour: String(dailyAt.hour),
        minute: String(dailyAt.minute),
        timeZone: TimeZone.of(props.timeZone ?? 'UTC'),
      }),
      target: new LambdaInvoke(this.rollupFunction, { role: schedulerRole, input: ScheduleTargetInput.fromObject({ day: 'ended' }), deadLetterQueue: this.deadLetters }),
    });
    if (props.hourly ?? true) {
      new Schedule(this, 'Hourly', {
        description: 'Switchyard: check the day so far against its budgets',
        schedule: ScheduleExpression.rate(Duration.hours(1)),
        target: new LambdaInvoke(this.rollupFunction, { role: schedulerRole, input: ScheduleTargetInput.fromObject({ day: 'today' }), deadLetterQueue: this.deadLetters }),
      });
    }

    // A broken rollup means silent budgets: any failed run, or any run that could not be delivered, alerts.
    const alert = new SnsAction(this.topic);
    this.rollupFailures = thresholdAlarm(this, 'RollupFailures', {
      description: 'the budget rollup failed; budgets are not being checked. See the rollup log group and the dead-letter queue.',
      metric: this.rollupFunction.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
    });
    this.rollupDeadLetters = thresholdAlarm(this, 'RollupDeadLettersAlarm', {
      description: 'a budget rollup run failed for good and is in the dead-letter queue.',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
    });
    for (const alarm of [this.rollupFailures, this.rollupDeadLetters]) alarm.addAlarmAction(alert);
  }
}
