/**
 * The shadow worker: the shadow workflow's task, one shadowed request per
 * invocation. It asks the candidate (and the judge), records every call in
 * the ledger and stores the comparison. A failure is thrown, for the
 * workflow to retry and then to report to its dead-letter queue.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { runShadowJob, type ShadowJob } from '../core/features/shadow';
import { buildAwsDependencies } from './aws-dependencies';
import { coldStartTracker, inRequestScope, lambdaContextKeys, requestScopedLog } from './request-scope';
import { readRuntimeConfig } from './runtime-config';

/** The job is ours, but a malformed one should fail loudly, not call a provider. */
const jobSchema = z.object({
  requestId: z.string(),
  callerId: z.string(),
  name: z.string(),
  day: z.string(),
  candidate: z.string(),
  request: z.object({ messages: z.array(z.object({ role: z.string(), content: z.string() })), maxTokens: z.number() }),
  primary: z.object({ model: z.string(), content: z.string(), latencyMs: z.number(), costNanoUsd: z.string().check(z.regex(/^\d+$/)) }),
});

const logger = new Logger();
const metrics = new Metrics({ namespace: 'Switchyard', serviceName: 'shadow' });
const log = requestScopedLog(logger);
const isColdStart = coldStartTracker();
let ready: ReturnType<typeof buildAwsDependencies> | undefined;

const handle = (job: ShadowJob, context: Context) =>
  inRequestScope(lambdaContextKeys(context, isColdStart(), typeof job?.requestId === 'string' ? job.requestId : undefined), async () => {
    jobSchema.parse(job);
    ready ??= buildAwsDependencies(readRuntimeConfig(process.env), log, metrics).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    const dependencies = await ready;
    const result = await runShadowJob(job, dependencies);
    return { requestId: result.requestId, outcome: result.candidate.outcome, verdict: result.judge?.verdict ?? null };
  });

export const handler = middy(handle).use(logMetrics(metrics));
