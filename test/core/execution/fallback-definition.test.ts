import {
  BUDGET_ERROR_NAMES,
  BudgetExceededError,
  CHAIN_ENDING_NAMES,
  errorNamesFor,
  PROVIDER_ERROR_NAMES,
  ProviderError,
  ROUTING_ERROR_NAMES,
  RoutingError,
} from '../../../lambda/core/base/errors';
import { ATTEMPT_STATE, buildFallbackDefinition, LAMBDA_SERVICE_ERRORS } from '../../../lambda/core/execution/fallback-definition';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import { testPolicyDocument } from '../../support/policies';

// asl-validator ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require('asl-validator') as (definition: unknown) => { isValid: boolean; errors: unknown[] };

const build = (fallback = {}) =>
  buildFallbackDefinition({
    fallback: loadPolicy(testPolicyDocument({ fallback })).fallback,
    attemptResource: 'arn:aws:lambda:us-east-1:123456789012:function:attempt',
    timeoutSeconds: 29,
  });

type Retrier = { ErrorEquals: string[]; IntervalSeconds: number; BackoffRate: number; MaxAttempts: number; MaxDelaySeconds?: number; JitterStrategy: string };
type Catcher = { ErrorEquals: string[]; Next: string };

describe('the fallback state machine definition', () => {
  it('is valid Amazon States Language, with and without retries', () => {
    for (const fallback of [{}, { retry: { maxAttempts: 0 } }, { retry: { maxAttempts: 5, intervalSeconds: 2, backoffRate: 3, maxDelaySeconds: 20 } }]) {
      const result = validateAsl(build(fallback));
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBeTruthy();
    }
  });

  it('retries exactly the transient provider failures, with the policy backoff and full jitter', () => {
    const retry = build({ retry: { maxAttempts: 3, intervalSeconds: 2, backoffRate: 1.5, maxDelaySeconds: 9 } }).States[ATTEMPT_STATE]!['Retry'] as Retrier[];
    expect(retry[0]).toEqual({
      ErrorEquals: [
        PROVIDER_ERROR_NAMES.throttled,
        PROVIDER_ERROR_NAMES.unavailable,
        PROVIDER_ERROR_NAMES.timeout,
        PROVIDER_ERROR_NAMES.connection,
        PROVIDER_ERROR_NAMES.malformed_response,
      ],
      IntervalSeconds: 2,
      BackoffRate: 1.5,
      MaxAttempts: 3,
      MaxDelaySeconds: 9,
      JitterStrategy: 'FULL',
    });
    expect(retry[1]!.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
    expect(retry.length).toBe(2);
  });

  it('stops on a rejected request or the deadline, skips to a larger window on context length, and moves on from anything else', () => {
    const catchers = build().States[ATTEMPT_STATE]!['Catch'] as Catcher[];
    expect(catchers.map((catcher) => [catcher.ErrorEquals, catcher.Next])).toEqual([
        // The names the errors really carry when thrown: a retyped name in the definition or in a class fails here.
        [
          [
            new ProviderError('rejected', 'x', { provider: 'p', model: 'p/m' }).name,
            new RoutingError('deadline', 'x').name,
            BudgetExceededError.noRoom('global', new Date()).name,
          ],
          'Stopped',
        ],
        [[PROVIDER_ERROR_NAMES.context_length], 'RaiseContextFloor'],
        [['States.ALL'], 'NextCandidate'],
      ]);
  });

  it('takes every name from the error contract, never a retyped string', () => {
    const definition = JSON.stringify(build());
    const named = [...definition.matchAll(/"(Switchyard\.[A-Za-z]+)"/g)].map((match) => match[1]);
    const contract = new Set<string>([
      ...Object.values(PROVIDER_ERROR_NAMES),
      ...Object.values(ROUTING_ERROR_NAMES),
      ...Object.values(BUDGET_ERROR_NAMES),
      ...CHAIN_ENDING_NAMES,
    ]);
    for (const name of named) expect([...contract]).toContain(name);
    expect(errorNamesFor('next')).toEqual([
      PROVIDER_ERROR_NAMES.generation_timeout,
      PROVIDER_ERROR_NAMES.content_filter,
      PROVIDER_ERROR_NAMES.provider_auth,
      PROVIDER_ERROR_NAMES.model_unavailable,
    ]);
  });

  it('bounds the whole execution and each attempt by the API timeout', () => {
    const definition = build();
    expect(definition['TimeoutSeconds']).toBe(29);
    expect(definition.States[ATTEMPT_STATE]!['TimeoutSeconds']).toBe(29);
  });
});
