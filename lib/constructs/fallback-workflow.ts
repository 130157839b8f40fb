import { Duration, Tags, Validations } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { workflowLogGroup } from './workflow-logs';
import { buildFallbackDefinition } from '../../lambda/core/execution/fallback-definition';
import { LAMBDA_ENTRIES } from '../bundling';
import { PART_TAG } from '../deploy-config';
import { acknowledgeInvokeGrant } from './node-function';
import { LEDGER_ACCESS, ProviderFunction, type ProviderFunctionProps } from './provider-function';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../lambda/contract/deployment';

const EXPRESS_MAX_SECONDS = 300;

export interface FallbackWorkflowProps extends Omit<ProviderFunctionProps, 'entry' | 'serviceName' | 'ledgerAccess'> {
  /**
   * What the workflow logs: `ERROR` (failed executions) or `ALL` (every state
   * transition, for debugging a chain). Execution data (prompts) never.
   * @default 'ERROR'
   */
  readonly logLevel?: 'ERROR' | 'ALL';
}

/**
 * The fallback chain on Step Functions: an Express state machine, built from
 * the policy by the same builder the local gateway runs, whose task invokes
 * the attempt function once per candidate try. Only what is granted
 * `grantStartSync` may run it; only it may invoke the attempt function.
 * Execution data (prompts) is never logged.
 */
export class FallbackWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly attemptFunction: ProviderFunction;

  constructor(scope: Construct, id: string, props: FallbackWorkflowProps) {
    super(scope, id);
    const requestTimeoutMs = props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // A stream cannot pass through Step Functions: the attempt task reads each answer as a stream and returns it whole.
    this.attemptFunction = new ProviderFunction(this, 'Attempt', { ...props, entry: LAMBDA_ENTRIES.attempt, serviceName: 'attempt', servesEmbeddings: false, ledgerAccess: LEDGER_ACCESS.attempt });

    // An Express workflow runs for at most five minutes.
    const timeoutSeconds = Math.min(Math.ceil(requestTimeoutMs / 1000), EXPRESS_MAX_SECONDS);
    const definition = buildFallbackDefinition({
      fallback: props.policy.fallback,
      attemptResource: '${AttemptFunctionArn}',
      timeoutSeconds,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.EXPRESS,
      definitionBody: DefinitionBody.fromString(JSON.stringify(definition)),
      definitionSubstitutions: { AttemptFunctionArn: this.attemptFunction.function.functionArn },
      timeout: Duration.seconds(timeoutSeconds),
      tracingEnabled: true,
      logs: {
        destination: workflowLogGroup(this, props.logRetention),
        level: props.logLevel === 'ALL' ? LogLevel.ALL : LogLevel.ERROR,
        includeExecutionData: false,
      },
    });
    Tags.of(this.stateMachine).add(PART_TAG, 'fallback', { includeResourceTypes: ['AWS::StepFunctions::StateMachine'] });
    this.attemptFunction.function.grantInvoke(this.stateMachine);
    if (props.logLevel !== 'ALL') {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: 'Failed executions are logged (ERROR); every attempt is also in the ledger and the router log. ALL is one setting away (-c workflowLogLevel=ALL) for debugging a chain, and costs a log event per state transition.',
      });
    }

    acknowledgeInvokeGrant(
      this.stateMachine,
      this.attemptFunction.function,
      'Invoking the attempt function by any of its versions or aliases; it is the only function the workflow may invoke.',
    );
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray trace writes and CloudWatch Logs delivery for Step Functions support no resource-level permissions.',
    });
  }

  /** Lets `grantee` (the router) run the workflow synchronously, and nothing else. */
  grantStartSync(grantee: IGrantable): Grant {
    return this.stateMachine.grantStartSyncExecution(grantee);
  }
}
