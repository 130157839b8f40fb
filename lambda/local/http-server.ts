/**
 * A node:http server that stands in for API Gateway: it checks the API key
 * like the AWS authorizer, caps the body like API Gateway, and hands the same
 * proxy event to the same router handler that runs in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { callerIdForKey, extractApiKey } from '../core/auth';
import { CallerError } from '../core/errors';
import { toHttpError } from '../core/http-errors';
import type { RouterHandler } from '../handlers/create-router-handler';

/** API Gateway REST APIs refuse bodies over 10 MB before Lambda runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = 'v1';

export interface LocalServerOptions {
  readonly handler: RouterHandler;
  /** When set, only these keys are accepted; otherwise any key names its caller. */
  readonly allowedKeys?: ReadonlySet<string>;
  /** The Lambda timeout the local handler pretends to have. */
  readonly lambdaTimeoutMs: number;
  /** Called after each response with a line that holds no prompt text. */
  readonly accessLog?: (line: string) => void;
}

export function createLocalServer(options: LocalServerOptions): Server {
  return createServer((request, response) => {
    serve(request, response, options).catch((error: unknown) => {
      const requestId = randomUUID();
      send(response, toHttpError(error, requestId).status, errorBody(error, requestId), requestId);
    });
  });
}

async function serve(request: IncomingMessage, response: ServerResponse, options: LocalServerOptions): Promise<void> {
  const started = performance.now();
  const arrived = Date.now();
  const requestId = randomUUID();
  const url = new URL(request.url ?? '/', 'http://localhost');
  const fail = (error: CallerError) => {
    if (!request.readableEnded) request.resume();
    send(response, error.status, errorBody(error, requestId), requestId);
  };

  if (!url.pathname.startsWith(`/${STAGE}/`)) {
    return fail(new CallerError('not_found', `There is no endpoint ${url.pathname}. Endpoints live under /${STAGE}/, e.g. /${STAGE}/chat/completions.`));
  }
  const headers = flattenHeaders(request);
  const key = extractApiKey(headers);
  if (key === undefined) {
    return fail(new CallerError('missing_api_key', 'No API key: send "Authorization: Bearer <key>" or "x-api-key: <key>".'));
  }
  if (options.allowedKeys && !options.allowedKeys.has(key)) {
    return fail(new CallerError('invalid_api_key', 'This API key is not accepted by this gateway (see SWITCHYARD_API_KEYS).'));
  }
  const body = await readBody(request);
  if (body === undefined) {
    return fail(new CallerError('request_too_large', `The request body is over API Gateway's limit of ${API_GATEWAY_MAX_BODY_BYTES} bytes.`));
  }

  const resource = url.pathname.slice(STAGE.length + 1);
  const event = {
    resource,
    path: resource,
    httpMethod: request.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.fromEntries(url.searchParams),
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    requestContext: {
      requestId,
      requestTimeEpoch: arrived,
      stage: STAGE,
      httpMethod: request.method ?? 'GET',
      resourcePath: resource,
      path: url.pathname,
      authorizer: { principalId: callerIdForKey(key) },
      identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userArn: null },
    },
  } as unknown as APIGatewayProxyEvent;
  const deadline = Date.now() + options.lambdaTimeoutMs;
  const context = {
    awsRequestId: requestId,
    functionName: 'switchyard-router-local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;

  const result: APIGatewayProxyResult = await options.handler(event, context);
  const resultHeaders = (result.headers ?? {}) as Record<string, string>;
  response.writeHead(result.statusCode, resultHeaders);
  response.end(result.body);
  options.accessLog?.(
    [
      request.method,
      url.pathname,
      result.statusCode,
      `tier=${resultHeaders['x-switchyard-tier'] ?? '-'}`,
      `model=${resultHeaders['x-switchyard-model'] ?? '-'}`,
      `cost=$${resultHeaders['x-switchyard-cost-usd'] ?? '0'}`,
      `${Math.round(performance.now() - started)}ms`,
    ].join(' '),
  );
}

/**
 * Reads the body as UTF-8, or `undefined` once it passes API Gateway's limit.
 * An oversize body is drained rather than cut off, so the 413 still arrives.
 */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= API_GATEWAY_MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > API_GATEWAY_MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function errorBody(error: unknown, requestId: string): string {
  return JSON.stringify(toHttpError(error, requestId).body);
}

function send(response: ServerResponse, status: number, body: string, requestId: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', 'x-switchyard-request-id': requestId });
  response.end(body);
}
