import { Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LAMBDA_ENTRIES } from '../bundling';
import type { CostLedger } from './cost-ledger';
import { acknowledgeInvokeGrant, createNodeFunction, withPolicyFile } from './node-function';
import { KEY_PREFIXES } from '../../lambda/adapters/ledger-table';
import { ENVIRONMENT } from '../../lambda/handlers/environment';

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

  constructor(scope: Construct, id: string, props: BudgetAlertsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Switchyard budget alerts',
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
      enforceSSL: true,
    });
    if (props.alertEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alertEmail));
      Validations.of(this.topic).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'SNS retries e-mail deliveries itself; every alert is also in the rollup log and the day\'s summary item, so a dead-letter queue nobody reads would add nothing.',
      });
    }

    this.rollupFunction = createNodeFunction(this, 'Rollup', {
      entry: LAMBDA_ENTRIES.rollup,
      memorySize: 256,
      timeout: Duration.minutes(1),
      logGroup: new LogGroup(this, 'RollupLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH }),
      environment: { [ENVIRONMENT.ledgerTableName]: props.ledger.table.tableName, [ENVIRONMENT.alertTopicArn]: this.topic.topicArn },
      commandHooks: withPolicyFile(props.policyFile),
    });
    props.ledger.grantRead(this.rollupFunction);
    props.ledger.grantWrite(this.rollupFunction, { onlyKeysStartingWith: [KEY_PREFIXES.alert, KEY_PREFIXES.summary] });
    this.topic.grantPublish(this.rollupFunction);

    acknowledgeInvokeGrant(this, this.rollupFunction, 'The scheduler may invoke the rollup function by any of its versions or aliases, and no other function.');
    const schedulerRole = new Role(this, 'SchedulerRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
    const dailyAt = props.dailyAt ?? { hour: 0, minute: 15 };
    new Schedule(this, 'Daily', {
      description: 'Switchyard: roll up the days that have ended and alert on their budgets',
      schedule: ScheduleExpression.cron({
        hour: String(dailyAt.hour),
        minute: String(dailyAt.minute),
        timeZone: TimeZone.of(props.timeZone ?? 'UTC'),
      }),
      target: new LambdaInvoke(this.rollupFunction, { role: schedulerRole, input: ScheduleTargetInput.fromObject({ day: 'ended' }) }),
    });
    if (props.hourly ?? true) {
      new Schedule(this, 'Hourly', {
        description: 'Switchyard: check the day so far against its budgets',
        schedule: ScheduleExpression.rate(Duration.hours(1)),
        target: new LambdaInvoke(this.rollupFunction, { role: schedulerRole, input: ScheduleTargetInput.fromObject({ day: 'today' }) }),
      });
    }
  }
}
