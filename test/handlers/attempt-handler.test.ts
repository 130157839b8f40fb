import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AttemptDependencies } from '../../lambda/core/execution/attempt-contract';
import { ROUTING_ERROR_NAMES } from '../../lambda/core/base/errors';
import type { AttemptTaskInput } from '../../lambda/core/execution/fallback-contract';
import { createAttemptHandler } from '../../lambda/handlers/attempt';
import { lambdaContext } from '../../lambda/local/lambda-runtime';
import { testPolicy } from '../support/policies';
import { printedLogs } from '../support/printed-logs';

process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';

function taskInput(requestId: string): AttemptTaskInput {
  return {
    requestId,
    callerId: 'key:abc',
  keyBudget: null,
    tier: 1,
    route: null,
    model: 'mock/retired',
    contextFloor: 0,
    attemptOffset: 0,
    deadline: Date.now() + 10_000,
    request: { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 10 },
  };
}

describe('createAttemptHandler', () => {
  it('stamps each "attempt failed" line with its own invocation\'s ids when invocations overlap on one logger', async () => {
    let ready!: (dependencies: AttemptDependencies) => void;
    const dependencies = new Promise<AttemptDependencies>((resolve) => (ready = resolve));
    const handler = createAttemptHandler(() => dependencies, new Logger(), new Metrics({ namespace: 'Test', serviceName: 'test' }));
    const invoke = (id: string) =>
      (handler as unknown as (event: AttemptTaskInput, context: Context) => Promise<unknown>)(taskInput(`req-${id}`), {
        ...lambdaContext(),
        awsRequestId: `lambda-${id}`,
      });

    const { lines } = await printedLogs(async () => {
      const outcomes = [invoke('a'), invoke('b')];
      ready({ policy: testPolicy() } as AttemptDependencies);
      return Promise.allSettled(outcomes);
    });

    const failed = lines.filter((line) => line['message'] === 'attempt failed');
    expect(failed.map((line) => [line['requestId'], line['function_request_id'], line['error']])).toEqual([
      ['req-a', 'lambda-a', ROUTING_ERROR_NAMES.skipped],
      ['req-b', 'lambda-b', ROUTING_ERROR_NAMES.skipped],
    ]);
  });
});
