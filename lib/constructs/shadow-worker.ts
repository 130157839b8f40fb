import { Duration, Tags, Validations } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Chain, DefinitionBody, Errors, Fail, JsonPath, LogLevel, StateMachine, StateMachineType, TaskInput } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { workflowLogGroup } from './workflow-logs';
import { SHADOW_DEADLINE_MS } from '../../lambda/core/features/shadow';
import { LAMBDA_ENTRIES } from '../bundling';
import { PART_TAG } from '../deploy-config';
import { acknowledgeInvokeGrant } from './node-function';
import { LEDGER_ACCESS, ProviderFunction, type ProviderFunctionProps } from './provider-function';
import { thresholdAlarm } from './threshold-alarm';

export interface ShadowWorkerProps extends Omit<ProviderFunctionProps, 'entry' | 'serviceName' | 'requestTimeoutMs' | 'servesEmbeddings' | 'servesMessagesApi' | 'ledgerAccess'> {
  /** Where the dead-letter alarm notifies. */
  readonly alertTopic: ITopic;
}

/**
 * Shadow traffic in AWS. The router starts an asynchronous execution of an
 * Express workflow once the caller has its answer; the workflow invokes the
 * shadow worker (the candidate's call, the judge's, the comparison stored),
 * retries it twice with backoff, and otherwise sends the job's id and error,
 * never its prompt, to a dead-letter queue, which alarms. Execution data
 * (prompts) is never logged.
 */
export class ShadowWorker extends Construct {
  readonly worker: ProviderFunction;
  readonly stateMachine: StateMachine;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: ShadowWorkerProps) {
    super(scope, id);
    // The candidate and the judge share the job's deadline; the function gets ten seconds more to store the result.
    this.worker = new ProviderFunction(this, 'Worker', {
      ...props,
      entry: LAMBDA_ENTRIES.shadow,
      serviceName: 'shadow',
      ledgerAccess: LEDGER_ACCESS.shadow,
      requestTimeoutMs: SHADOW_DEADLINE_MS + 9000,
      servesEmbeddings: false,
      // Shadow calls are chat requests of the worker's own, never a caller's Messages request: Converse only.
      servesMessagesApi: false,
    });
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless::Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetters).acknowledge({ id, reason: 'This queue is the dead-letter queue: the shadow workflow sends it the jobs it could not run.' });
    }

    const run = new LambdaInvoke(this, 'Compare', {
      lambdaFunction: this.worker.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    // Three runs of at most 70 s and 20 s of backoff fit the workflow's five minutes, so a job that keeps failing reaches the Catch.
    run.addRetry({ errors: [Errors.ALL], maxAttempts: 2, interval: Duration.seconds(5), backoffRate: 3 });
    const deadLetter = new SqsSendMessage(this, 'DeadLetter', {
      queue: this.deadLetters,
      messageBody: TaskInput.fromObject({
        requestId: JsonPath.stringAt('$$.Execution.Input.requestId'),
        name: JsonPath.stringAt('$$.Execution.Input.name'),
        candidate: JsonPath.stringAt('$$.Execution.Input.candidate'),
        error: JsonPath.stringAt('$.Error'),
      }),
    });
    run.addCatch(Chain.start(deadLetter).next(new Fail(this, 'NotCompared', { error: 'Switchyard.ShadowFailed' })));
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromChainable(run),
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: {
        destination: workflowLogGroup(this, props.logRetention),
        level: LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
    Tags.of(this.stateMachine).add(PART_TAG, 'shadow', { includeResourceTypes: ['AWS::StepFunctions::StateMachine'] });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: 'Failed executions are logged (ERROR) and their jobs reach the dead-letter queue; every call is also in the ledger.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace writes and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
    });
    acknowledgeInvokeGrant(this.stateMachine, this.worker.function, 'Invoking the shadow worker by any of its versions or aliases; it is the only function the workflow may invoke.');

    thresholdAlarm(this, 'DeadLetterAlarm', {
      description: 'shadow jobs failed and reached the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
    }).addAlarmAction(new SnsAction(props.alertTopic));
  }

  /** Lets `grantee` (the router) start the workflow asynchronously, and nothing else. */
  grantStart(grantee: IGrantable): Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }
}
