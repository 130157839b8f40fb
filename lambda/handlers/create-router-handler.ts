/**
 * The router handler: API Gateway proxy event in, OpenAI-format answer out,
 * written to Lambda's response stream (status and headers first, then the
 * JSON body in one write, or each server-sent event as it comes). A thin
 * adapter: all behaviour lives in `lambda/core/gateway/`. The Lambda entry
 * (`router.ts`) and the local server both call the handler built here.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Gateway, GatewayRequest, GatewayStream, RequestSummary } from '../core/gateway/types';
import { surfaceOf } from '../core/gateway/endpoint-table';
import { toHttpError } from '../core/surfaces/shared/http-error';
import type { Log } from '../core/base/telemetry';
import { toGatewayRequest, toResponseMetadata } from './api-event';
import { coldStartTracker, currentRequestKeys, inRequestScope, lambdaContextKeys, requestScopedLog } from './request-scope';
import { startHttpResponse, type StreamingHandler } from './response-stream';

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
  /**
   * Where each request's one line goes: its summary and metrics as EMF (see
   * {@link requestLine}). @default standard output, unless
   * POWERTOOLS_METRICS_DISABLED is set, as for Powertools' own
   */
  readonly writeEmf?: ((line: string) => void) | undefined;
  /** Told each served request's summary once its attempts are recorded (a stream's after its last byte): the local access line's cost. */
  readonly onServed?: ((requestId: string, summary: RequestSummary) => void) | undefined;
}

export type RouterHandler = StreamingHandler<APIGatewayProxyEvent>;

/**
 * Builds the streaming router handler. Not middy: its streaming mode needs
 * Lambda's runtime when it is built (the local server has none), and pipes a
 * returned body only after its `after` middlewares ran, so metrics taken from
 * a stream's summary would miss the flush. Here the flush comes last.
 */
export function createRouterHandler(options: RouterHandlerOptions): RouterHandler {
  const { metrics } = options;
  const log = requestScopedLog(options.logger);
  const writeEmf = 'writeEmf' in options ? options.writeEmf : standardOutputEmf();
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

  const serve = async (event: APIGatewayProxyEvent, responseStream: Writable, context: Context): Promise<void> => {
    const startedAt = Date.now();
    const client = watchClient(responseStream);
    let router: RouterRuntime;
    let request: GatewayRequest;
    try {
      router = await runtime();
      request = toGatewayRequest(event, context.getRemainingTimeInMillis(), router.requestTimeoutMs);
    } catch (error) {
      // Either the router could not start, or the authorizer's context is not what it writes: a fault of ours, a 500.
      log.error('router failed to start or to read the event', { error: error instanceof Error ? error.message : String(error) });
      const requestId = event.requestContext.requestId;
      const http = toHttpError(error, requestId);
      // The path's own surface answers, as the gateway would have: Anthropic's envelope on /v1/messages.
      startHttpResponse(responseStream, {
        statusCode: http.status,
        headers: { 'content-type': 'application/json', 'x-switchyard-request-id': requestId },
      }).end(JSON.stringify(surfaceOf(event.resource).errorBody(http)));
      return;
    }
    const response = await router.gateway(request);
    const output = startHttpResponse(responseStream, toResponseMetadata(response));
    const summary = response.stream
      ? await serveStream(output, response.stream, client, log, startedAt, writeEmf)
      : (output.end(response.body), served(response.summary, log, startedAt, writeEmf));
    options.onServed?.(request.requestId, summary);
    // The caller has the whole answer: what is left (a shadow job) runs before the invocation ends, never before the answer.
    await response.afterResponse?.().catch((error: unknown) => log.error('work after the response failed', { error: error instanceof Error ? error.message : String(error) }));
  };

  return (event, responseStream, context) =>
    inRequestScope(lambdaContextKeys(context, isColdStart(), event.requestContext.requestId), async () => {
      metrics.captureColdStartMetric(context.functionName);
      try {
        await serve(event, responseStream, context);
      } finally {
        // Requests served at once share the instance's metrics: whichever ends first publishes them all, and the rest find none to publish.
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      }
    });
}

/** Writes each event as it comes and ends the stream; stops early, ending the provider call, once the client has gone. */
async function serveStream(
  output: Writable,
  stream: GatewayStream,
  client: Client,
  log: Log,
  startedAt: number,
  writeEmf: EmfWriter,
): Promise<RequestSummary> {
  try {
    for await (const event of stream.events) {
      // Leaving the loop calls the iterator's return(): the core then ends the provider call.
      if (client.gone()) break;
      if (!output.write(event)) await client.drained();
      if (client.gone()) break;
    }
  } catch (error) {
    // The core ends a failed stream with an error event itself; a throw is a fault, and must not look like a clean end.
    stream.summary.catch(() => undefined);
    throw error;
  }
  const clientGone = client.gone();
  if (!output.writableEnded && !output.destroyed) output.end();
  return served(await stream.summary, log, startedAt, writeEmf, clientGone);
}

function served(summary: RequestSummary, log: Log, startedAt: number, writeEmf: EmfWriter, clientGone = false): RequestSummary {
  const extra = clientGone ? { clientGone } : {};
  if (writeEmf) {
    // One line a request: the summary, its ids and every metric it feeds, where a log line and two EMF documents were.
    // The function's name, ARN and memory are the same on every line of its log group: they are left to the group.
    const keys = currentRequestKeys();
    const ids = keys && { requestId: keys.requestId, function_request_id: keys.function_request_id, cold_start: keys.cold_start };
    writeEmf(`${JSON.stringify({ ...requestLine(summary, Date.now() - startedAt, Date.now()), level: 'INFO', message: 'request served', ...ids, ...extra })}\n`);
  } else {
    // Powertools writes the bigint cost as a decimal string.
    log.info('request served', { ...summary, ...extra });
  }
  return summary;
}

/** Whether the reader of a response stream is still there: a stream closed or failed before it finished has lost its client. */
interface Client {
  gone(): boolean;
  /** Resolves once the stream can take more, or the client has gone. */
  drained(): Promise<void>;
}

function watchClient(responseStream: Writable): Client {
  let gone = false;
  const lose = () => {
    if (!responseStream.writableFinished) gone = true;
  };
  responseStream.once('close', lose);
  // Writing to a stream whose client has gone fails; that is not the handler's failure.
  responseStream.on('error', () => (gone = true));
  return {
    gone: () => gone || responseStream.destroyed,
    drained: () =>
      new Promise<void>((resolve) => {
        if (gone || responseStream.destroyed) return resolve();
        const done = () => {
          responseStream.off('drain', done);
          responseStream.off('close', done);
          responseStream.off('error', done);
          resolve();
        };
        responseStream.once('drain', done);
        responseStream.once('close', done);
        responseStream.once('error', done);
      }),
  };
}

/** The namespace every Switchyard metric is in (the constructs set POWERTOOLS_METRICS_NAMESPACE to it too). */
export const METRICS_NAMESPACE = 'Switchyard';

type Directive = { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] };
const counts = (...names: string[]) => names.map((name) => ({ Name: name, Unit: 'Count' }));

/**
 * A served request as one EMF document: its summary, and the metrics the
 * dashboard and the alarms read (namespace Switchyard, dimension `service`):
 * the totals, cost by tier and by model, and traffic by route, a directive per
 * set of dimensions. One line a request, where Powertools would write one per
 * dimension set (about 40 µs each here) beside a separate log line.
 * `elapsedMs` is the handler's whole time.
 */
export function requestLine(summary: RequestSummary, elapsedMs: number, nowMs: number): Record<string, unknown> {
  const totals: Directive = { Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: counts('Requests') };
  const directives = [totals];
  const values: Record<string, unknown> = {
    service: 'router',
    endpoint: summary.endpoint,
    status: summary.status,
    Requests: 1,
    simulated: summary.simulated,
    failures: summary.failures,
  };
  const add = (directive: Directive, fields: Record<string, unknown>) => {
    directive.Metrics.push(...counts(...Object.keys(fields)));
    Object.assign(values, fields);
  };
  if (summary.status >= 500) add(totals, { ServerErrors: 1 });
  else if (summary.status >= 400) add(totals, { CallerErrors: 1 });
  if (summary.attempts > 0) {
    add(totals, { Attempts: summary.attempts, Fallbacks: summary.attempts - 1, FlagshipCostNanoUsd: Number(summary.flagshipCostNanoUsd) });
    totals.Metrics.push({ Name: 'ProviderLatency', Unit: 'Milliseconds' }, { Name: 'GatewayOverhead', Unit: 'Milliseconds' });
    values['ProviderLatency'] = summary.providerLatencyMs;
    values['GatewayOverhead'] = Math.max(0, elapsedMs - summary.providerLatencyMs);
    // The cost by tier and by model is the same value as the total, under more dimension sets.
    const cost: Directive = { Namespace: METRICS_NAMESPACE, Dimensions: [['service']], Metrics: counts('CostNanoUsd') };
    if (summary.tier !== null) cost.Dimensions.push(['service', 'Tier']);
    if (summary.model !== null) cost.Dimensions.push(['service', 'Model']);
    directives.push(cost);
    values['CostNanoUsd'] = Number(summary.costNanoUsd);
  }
  if (summary.tier !== null) values['Tier'] = summary.tier;
  if (summary.model !== null) values['Model'] = summary.model;
  if (summary.route !== null) {
    // Named apart from the totals, which carry no Route dimension.
    const route: Directive = { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'Route']], Metrics: [] };
    directives.push(route);
    values['Route'] = summary.route;
    add(route, { RouteRequests: 1, RouteFallbacks: Math.max(0, summary.attempts - 1), RouteServerErrors: summary.status >= 500 ? 1 : 0 });
  }
  return { _aws: { Timestamp: nowMs, CloudWatchMetrics: directives }, ...values };
}

/** Where EMF lines go; none when metrics are off, and then none is built. */
type EmfWriter = ((line: string) => void) | undefined;

/** Standard output, where Lambda's log capture reads EMF, unless metrics are disabled (locally, in the bench). */
function standardOutputEmf(): EmfWriter {
  const disabled = ['1', 'true'].includes((process.env['POWERTOOLS_METRICS_DISABLED'] ?? '').toLowerCase());
  return disabled ? undefined : (line) => void process.stdout.write(line);
}
