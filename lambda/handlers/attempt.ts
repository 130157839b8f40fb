/**
 * The attempt function: the fallback state machine's task, one candidate per
 * invocation. A failure is thrown with its contract name (`Switchyard.*`),
 * which Lambda reports as the error type the state machine routes on.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { runAttemptTask } from '../core/execution/attempt';
import type { AttemptDependencies } from '../core/execution/attempt-contract';
import type { AttemptTaskInput, AttemptTaskOutput } from '../core/execution/fallback-contract';
import type { Log } from '../core/base/telemetry';
import { buildAwsDependencies } from './aws-dependencies';
import { coldStartTracker, inRequestScope, lambdaContextKeys, requestScopedLog } from './request-scope';
import { readRuntimeConfig } from './runtime-config';

/** The task input is ours, but a malformed one should fail loudly, not call a provider. */
const taskInputSchema = z.object({
  requestId: z.string(),
  callerId: z.string(),
  keyBudget: z.nullable(z.object({ usd: z.string(), mode: z.enum(['alert', 'downgrade', 'block']) })),
  tier: z.nullable(z.number()),
  route: z.nullable(z.string()),
  model: z.string(),
  contextFloor: z.number(),
  attemptOffset: z.number(),
  deadline: z.number(),
  request: z.object({
    messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
    maxTokens: z.number(),
  }),
});

/** `logger` is shared and never mutated per invocation; give `start` a `requestScopedLog` of it too. */
export function createAttemptHandler(start: () => Promise<AttemptDependencies>, logger: Log, metrics: Metrics) {
  const log = requestScopedLog(logger);
  const isColdStart = coldStartTracker();
  let ready: Promise<AttemptDependencies> | undefined;
  const run = async (event: AttemptTaskInput): Promise<AttemptTaskOutput> => {
    taskInputSchema.parse(event);
    ready ??= start().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    try {
      return await runAttemptTask(event, await ready);
    } catch (error) {
      log.info('attempt failed', { model: event.model, error: error instanceof Error ? error.name : 'unknown' });
      throw error;
    }
  };
  const handle = (event: AttemptTaskInput, context: Context): Promise<AttemptTaskOutput> => {
    const requestId = typeof event?.requestId === 'string' ? event.requestId : undefined;
    return inRequestScope(lambdaContextKeys(context, isColdStart(), requestId), () => run(event));
  };
  return middy(handle).use(logMetrics(metrics));
}

const logger = new Logger();
const metrics = new Metrics({ namespace: 'Switchyard', serviceName: 'attempt' });

export const handler = createAttemptHandler(
  () => buildAwsDependencies(readRuntimeConfig(process.env), requestScopedLog(logger), metrics),
  logger,
  metrics,
);
