/**
 * The fallback runner in AWS: a synchronous execution of the Express state
 * machine built by `fallback-workflow.ts`.
 */
import { StartSyncExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { toFallbackOutcome, type FallbackRunner } from '../core/execution/fallback-contract';

export interface StepFunctionsFallbackOptions {
  readonly client: SFNClient;
  readonly stateMachineArn: string;
}

export function createStepFunctionsFallback(options: StepFunctionsFallbackOptions): FallbackRunner {
  return {
    async run(input, signal) {
      const execution = await options.client.send(
        new StartSyncExecutionCommand({
          stateMachineArn: options.stateMachineArn,
          name: input.requestId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80),
          input: JSON.stringify(input),
        }),
        { abortSignal: signal },
      );
      if (execution.status !== 'SUCCEEDED') {
        throw new Error(`fallback execution ${execution.status}: ${execution.error ?? ''} ${execution.cause ?? ''}`.trim());
      }
      return toFallbackOutcome(JSON.parse(execution.output ?? 'null'));
    },
  };
}
