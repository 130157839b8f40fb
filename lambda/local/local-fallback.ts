/**
 * The fallback runner of the local gateway: the state machine definition that
 * CDK deploys, run by aws-local-stepfunctions, with the attempt task mapped
 * to the attempt handler in this process.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { runAttemptTask } from '../core/execution/attempt';
import type { AttemptDependencies } from '../core/execution/attempt-contract';
import { toFallbackOutcome, type AttemptTaskInput, type FallbackRunner } from '../core/execution/fallback-contract';
import { ATTEMPT_STATE, buildFallbackDefinition } from '../core/execution/fallback-definition';

export interface LocalFallbackOptions {
  readonly timeoutSeconds: number;
  /** Replaces the Retry backoff waits, in ms (tests); the definition is unchanged. */
  readonly retryIntervalMs?: number;
  /** Replaces the task that runs an attempt (tests of the definition itself). */
  readonly attempt?: (input: AttemptTaskInput) => Promise<unknown>;
}

const LOCAL_ATTEMPT_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:switchyard-attempt-local';

export function createLocalFallback(dependencies: AttemptDependencies, options: LocalFallbackOptions): FallbackRunner {
  const definition = buildFallbackDefinition({
    fallback: dependencies.policy.fallback,
    attemptResource: LOCAL_ATTEMPT_ARN,
    timeoutSeconds: options.timeoutSeconds,
  });
  const machine = new StateMachine(definition as never);
  const attempt = options.attempt ?? ((input: AttemptTaskInput) => runAttemptTask(input, dependencies));

  return {
    async run(input, signal) {
      // Attempts still running when the execution is aborted: waited for, so their ledger rows are in before this returns.
      const running = new Set<Promise<unknown>>();
      const task = (taskInput: unknown) => {
        const attempted = asLambda(attempt(taskInput as AttemptTaskInput));
        running.add(attempted);
        void attempted.then(
          () => running.delete(attempted),
          () => running.delete(attempted),
        );
        return attempted;
      };
      const execution = machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: { [ATTEMPT_STATE]: task as never },
          ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: { [ATTEMPT_STATE]: options.retryIntervalMs } } : {}),
          ...(options.retryIntervalMs !== undefined ? { waitTimeOverrides: { BackOff: options.retryIntervalMs } } : {}),
        },
      });
      const onAbort = () => execution.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        return toFallbackOutcome(await execution.result);
      } finally {
        signal.removeEventListener('abort', onAbort);
        await Promise.allSettled(running);
      }
    },
  };
}

/**
 * Reports a failure the way Lambda does to Step Functions: the error's name
 * as the error, and `{"errorType","errorMessage","trace"}` as the cause.
 */
async function asLambda<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const reported = new Error(JSON.stringify({ errorType: failure.name, errorMessage: failure.message, trace: [] }));
    reported.name = failure.name;
    throw reported;
  }
}
