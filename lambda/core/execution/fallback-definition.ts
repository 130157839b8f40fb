/**
 * The fallback state machine, in Amazon States Language, built from the
 * routing policy. The CDK construct deploys this definition as an Express
 * workflow; the local gateway runs the very same definition. Its Retry and
 * Catch lists are made from the error contract in `errors.ts`, never retyped.
 *
 * Walk: for each candidate from `cursor.index`, run the attempt task. Retry
 * transient failures with exponential backoff and full jitter; on any other
 * failure move to the next candidate (raising the context-window floor after
 * a context-length failure), except for failures that end the chain. The
 * walk's start comes from `planFallback`; `in-process-fallback.ts` walks the
 * same way without a workflow engine.
 */
import { CHAIN_ENDING_NAMES, errorNamesFor } from '../base/errors';
import type { FallbackSettings } from '../../policy/schema';

export const ATTEMPT_STATE = 'Attempt';

/** Errors of the Lambda service itself, which AWS recommends retrying. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

export interface FallbackDefinitionOptions {
  readonly fallback: FallbackSettings;
  /** The attempt function's ARN, or a placeholder that CDK substitutes. */
  readonly attemptResource: string;
  /** The whole execution's limit: the API's integration timeout. */
  readonly timeoutSeconds: number;
}

export type StateMachineDefinition = Record<string, unknown> & { States: Record<string, Record<string, unknown>> };

export function buildFallbackDefinition(options: FallbackDefinitionOptions): StateMachineDefinition {
  const { retry } = options.fallback;
  const retriers: Record<string, unknown>[] = [];
  if (retry.maxAttempts > 0) {
    retriers.push({
      ErrorEquals: errorNamesFor('retry'),
      IntervalSeconds: retry.intervalSeconds,
      BackoffRate: retry.backoffRate,
      MaxAttempts: retry.maxAttempts,
      MaxDelaySeconds: retry.maxDelaySeconds,
      JitterStrategy: 'FULL',
    });
  }
  retriers.push({ ErrorEquals: LAMBDA_SERVICE_ERRORS, IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 2, JitterStrategy: 'FULL' });

  return {
    Comment: 'Switchyard fallback chain: retry with backoff, then the next candidate',
    StartAt: 'WaitBeforeFirstTry',
    TimeoutSeconds: options.timeoutSeconds,
    States: {
      WaitBeforeFirstTry: {
        Type: 'Choice',
        Choices: [{ Variable: '$.initialWaitSeconds', NumericGreaterThan: 0, Next: 'BackOff' }],
        Default: ATTEMPT_STATE,
      },
      BackOff: { Type: 'Wait', SecondsPath: '$.initialWaitSeconds', Next: ATTEMPT_STATE },
      [ATTEMPT_STATE]: {
        Type: 'Task',
        Resource: options.attemptResource,
        Parameters: {
          'requestId.$': '$.requestId',
          'callerId.$': '$.callerId',
          'keyBudget.$': '$.keyBudget',
          'tier.$': '$.tier',
          'route.$': '$.route',
          'request.$': '$.request',
          'model.$': 'States.ArrayGetItem($.candidates, $.cursor.index)',
          'contextFloor.$': '$.contextFloor.value',
          'attemptOffset.$': '$.attemptOffset',
          'deadline.$': '$.deadline',
        },
        ResultPath: '$.answer',
        TimeoutSeconds: options.timeoutSeconds,
        Retry: retriers,
        Catch: [
          { ErrorEquals: [...errorNamesFor('stop'), ...CHAIN_ENDING_NAMES], ResultPath: '$.failure', Next: 'Stopped' },
          { ErrorEquals: errorNamesFor('next-larger-context'), ResultPath: '$.failure', Next: 'RaiseContextFloor' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'NextCandidate' },
        ],
        Next: 'Answered',
      },
      RaiseContextFloor: {
        Type: 'Pass',
        Parameters: { 'value.$': 'States.ArrayGetItem($.contextWindows, $.cursor.index)' },
        ResultPath: '$.contextFloor',
        Next: 'NextCandidate',
      },
      NextCandidate: {
        Type: 'Pass',
        Parameters: { 'index.$': 'States.MathAdd($.cursor.index, 1)' },
        ResultPath: '$.cursor',
        Next: 'MoreCandidates',
      },
      MoreCandidates: {
        Type: 'Choice',
        Choices: [{ Variable: '$.cursor.index', NumericLessThanPath: '$.candidateCount', Next: ATTEMPT_STATE }],
        Default: 'Exhausted',
      },
      Answered: {
        Type: 'Pass',
        Parameters: { status: 'answered', 'model.$': '$.answer.model', 'completion.$': '$.answer.completion' },
        End: true,
      },
      Stopped: {
        Type: 'Pass',
        Parameters: { status: 'stopped', 'error.$': '$.failure.Error', 'cause.$': '$.failure.Cause' },
        End: true,
      },
      Exhausted: {
        Type: 'Pass',
        Parameters: { status: 'exhausted', 'error.$': '$.failure.Error', 'cause.$': '$.failure.Cause' },
        End: true,
      },
    },
  };
}
