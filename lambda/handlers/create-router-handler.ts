/**
 * The router handler: API Gateway proxy event in, OpenAI-format response out.
 * A thin adapter: all behaviour lives in `lambda/core/gateway.ts`. The Lambda
 * entry (`router.ts`) and the local gateway both build their handler here.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Gateway, RequestSummary } from '../core/gateway';
import { toHttpError } from '../core/http-errors';
import { toGatewayRequest, toProxyResult } from './api-event';
import { coldStartTracker, inRequestScope, lambdaContextKeys, requestScopedLog } from './request-scope';

/** What a router needs once started: the gateway and the API's time limit. */
export interface RouterRuntime {
  readonly gateway: Gateway;
  readonly requestTimeoutMs: number;
}

export interface RouterHandlerOptions {
  /** Starts the runtime; called at cold start and again after a failed start. */
  readonly start: () => Promise<RouterRuntime>;
  /**
   * Shared by every invocation and never mutated per request: each line gets
   * its invocation's keys from {@link inRequestScope}. Give the core
   * `requestScopedLog(logger)` so that its lines carry them too.
   */
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export type RouterHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export function createRouterHandler(options: RouterHandlerOptions): RouterHandler {
  const { metrics } = options;
  const log = requestScopedLog(options.logger);
  const isColdStart = coldStartTracker();
  let starting: Promise<RouterRuntime> | undefined;
  const runtime = (): Promise<RouterRuntime> => {
    starting ??= Promise.resolve().then(options.start).catch((error: unknown) => {
      starting = undefined;
      throw error;
    });
    return starting;
  };
  runtime().catch(() => undefined);

  const handle = (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
    inRequestScope(lambdaContextKeys(context, isColdStart(), event.requestContext.requestId), () => serve(event, context));

  const serve = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    let router: RouterRuntime;
    try {
      router = await runtime();
    } catch (error) {
      log.error('router failed to start', { error: error instanceof Error ? error.message : String(error) });
      const requestId = event.requestContext.requestId;
      const http = toHttpError(error, requestId);
      return toProxyResult({
        status: http.status,
        headers: { 'content-type': 'application/json', 'x-switchyard-request-id': requestId },
        body: JSON.stringify(http.body),
      });
    }
    const request = toGatewayRequest(event, context.getRemainingTimeInMillis(), router.requestTimeoutMs);
    const response = await router.gateway(request);
    recordMetrics(metrics, response.summary);
    // Powertools writes the bigint cost as a decimal string.
    log.info('request served', { ...response.summary });
    return toProxyResult(response);
  };

  return middy(handle).use(logMetrics(metrics, { captureColdStartMetric: true })) as unknown as RouterHandler;
}

function recordMetrics(metrics: Metrics, summary: RequestSummary): void {
  metrics.addMetric('Requests', MetricUnit.Count, 1);
  if (summary.status >= 500) metrics.addMetric('ServerErrors', MetricUnit.Count, 1);
  else if (summary.status >= 400) metrics.addMetric('CallerErrors', MetricUnit.Count, 1);
  if (summary.attempts > 0) {
    metrics.addMetric('Attempts', MetricUnit.Count, summary.attempts);
    metrics.addMetric('Fallbacks', MetricUnit.Count, summary.attempts - 1);
    metrics.addMetric('CostNanoUsd', MetricUnit.Count, Number(summary.costNanoUsd));
  }
}

