/**
 * A node:http server that stands in for API Gateway: it checks the API key
 * like the AWS authorizer, caps the body like API Gateway, and hands the same
 * proxy event to the same streaming router handler that runs in Lambda. The
 * handler's response stream is the `ServerResponse` itself, so each write
 * (an SSE frame) reaches the client as it is made, and a client that hangs up
 * closes it, which stops the handler's stream.
 *
 * Every answer is in OpenAI's error envelope, including the ones Node's HTTP
 * parser would otherwise write itself (bad headers, oversize headers, an
 * unsupported `Expect`, `CONNECT`), and every request gets one access line.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { callerIdForKey, extractApiKey } from '../core/features/auth';
import { surfaceOf } from '../core/gateway/endpoint-table';
import { CallerError } from '../core/base/errors';
import { INVALID_KEY_MESSAGE, type KeyVerifier } from '../core/features/managed-keys';
import { toHttpError, type HttpError } from '../core/surfaces/shared/http-error';
import type { Log } from '../core/base/telemetry';
import type { RouterHandler } from '../handlers/create-router-handler';
import type { ServedCosts } from './served-costs';
import { decodeBody } from '../core/surfaces/shared/read-body';
import { accessLine, header, loggablePath, MAX_LOGGED_PATH_LENGTH, requestLine, withoutControlCharacters } from './http-access-log';

/** API Gateway REST APIs refuse bodies over 10 MB before Lambda runs. */
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Access lines cut the path here: a path is the caller's to choose, and can be long. */
const STAGE = 'v1';
const ENDPOINTS_HINT = `Endpoints live under /${STAGE}/, e.g. POST /${STAGE}/chat/completions.`;

export interface LocalServerOptions {
  readonly handler: RouterHandler;
  /** When set, only these keys are accepted; otherwise any key names its caller. */
  readonly allowedKeys?: ReadonlySet<string>;
  /** When set, only managed keys are accepted, checked as the AWS authorizer checks them (`SWITCHYARD_AUTH=managed`). */
  readonly verifyKey?: KeyVerifier;
  /** The Lambda timeout the local handler pretends to have. */
  readonly lambdaTimeoutMs: number;
  /** How long a request may take to arrive, headers and body: the API's own limit, so a caller that stalls mid-request cannot hold a connection longer. */
  readonly receiveTimeoutMs: number;
  /**
   * Called once per request, after its answer (a stream's last byte), with
   * `METHOD PATH STATUS tier=T model=M cost=$C Nms`: no query, no prompt text,
   * no key; the path cut to {@link MAX_LOGGED_PATH_LENGTH} characters without
   * control characters. Unknown parts are `-`.
   */
  readonly accessLog?: (line: string) => void;
  /** What the handler's requests cost, as its `onServed` tells them: a stream's cost is known only after its headers went out. */
  readonly servedCosts?: ServedCosts;
  /** Where failures of the server itself (never the caller's mistakes) are reported. */
  readonly log?: Log;
}

interface InFlight {
  readonly response: ServerResponse;
  readonly requestId: string;
  /** The request's target, for its surface's error envelope. */
  readonly target: string | undefined;
}

export function createLocalServer(options: LocalServerOptions): Server {
  // The response a socket is busy with, so a parse error inside its body is answered through it.
  const inFlight = new WeakMap<Duplex, InFlight>();

  /** Starts a request's bookkeeping; its access line is written once the answer closed and `settled` (the handler's work) is done. */
  const begin = (request: IncomingMessage, response: ServerResponse, requestId: string, settled: Promise<unknown>): void => {
    const started = performance.now();
    const current = { response, requestId, target: request.url };
    inFlight.set(request.socket, current);
    response.once('close', () => {
      if (inFlight.get(request.socket) === current) inFlight.delete(request.socket);
      const status = response.headersSent ? response.statusCode : undefined;
      const stream = header(response, 'content-type')?.startsWith('text/event-stream') === true;
      // Only a stream waits for its cost: a whole answer's is in its header, and its handler has told it already.
      void (options.servedCosts?.costOf(requestId, stream ? settled : Promise.resolve()) ?? Promise.resolve(undefined)).then((served) => {
        const cost = header(response, 'x-switchyard-cost-usd') ?? served ?? (stream ? '-' : undefined);
        options.accessLog?.(accessLine(request.method, request.url, status, started, { tier: header(response, 'x-switchyard-tier'), model: header(response, 'x-switchyard-model'), cost }));
      });
    });
  };

  const handle = (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean): void => {
    const requestId = randomUUID();
    const handled = Promise.resolve().then(() => serve(request, response, requestId, expectsContinue, options));
    begin(request, response, requestId, handled.catch(() => undefined));
    handled.catch((error: unknown) => {
      // A caller that hangs up mid-body is not a failure of the server.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') options.log?.error('local server failed', { requestId, error: String(error) });
      reply(response, toHttpError(error, requestId), requestId, request.url);
    });
  };

  // Node checks these every connectionsCheckingInterval: once a second, so a stalled request is cut within a second of its limit.
  const server = createServer(
    // Node's own answer to a request without Host has no body and no access line: serve() refuses it in the path's envelope instead.
    { headersTimeout: options.receiveTimeoutMs, requestTimeout: options.receiveTimeoutMs, connectionsCheckingInterval: 1000, requireHostHeader: false },
    (request, response) => handle(request, response, false),
  );
  // Checked before "100 Continue", so a refused caller never sends its body.
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => handle(request, response, true));

  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const requestId = randomUUID();
    begin(request, response, requestId, Promise.resolve());
    request.resume();
    const expectation = withoutControlCharacters(String(request.headers.expect)).slice(0, 100);
    const error = new CallerError('expectation_failed', `"Expect: ${expectation}" is not supported: send no Expect header, or "Expect: 100-continue".`);
    reply(response, toHttpError(error, requestId), requestId, request.url);
  });

  server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const started = performance.now();
    const requestId = randomUUID();
    const error = new CallerError('method_not_allowed', `CONNECT is not supported: Switchyard is an API, not a proxy. ${ENDPOINTS_HINT}`);
    const http = toHttpError(error, requestId);
    writeRaw(socket, http, requestId, request.url);
    options.accessLog?.(accessLine(request.method, request.url, http.status, started));
  });

  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const current = inFlight.get(socket);
    if (current) {
      // The parser failed inside the body of a request being served: answer it, once.
      if (current.response.headersSent) socket.destroy();
      else reply(current.response, rejectedByParser(error, current.requestId), current.requestId, current.target, { connection: 'close' });
      return;
    }
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const started = performance.now();
    const requestId = randomUUID();
    const http = rejectedByParser(error, requestId);
    const [method, target] = requestLine(error.rawPacket);
    writeRaw(socket, http, requestId, target);
    options.accessLog?.(accessLine(method, target, http.status, started));
  });

  return server;
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  expectsContinue: boolean,
  options: LocalServerOptions,
): Promise<void> {
  const arrived = Date.now();
  const url = parseTarget(request.url);
  const fail = (error: CallerError) => {
    if (!request.readableEnded) request.resume();
    // Each path's errors are in its surface's envelope: Claude Code and the Anthropic SDKs read Anthropic's.
    const http = toHttpError(error, requestId);
    send(response, http.status, { 'content-type': 'application/json', 'x-switchyard-request-id': requestId }, errorBodyFor(request.url, http));
  };

  if (url === undefined) {
    return fail(new CallerError('invalid_request', `The request target is not a valid URL path. ${ENDPOINTS_HINT}`));
  }
  if (request.headers.host === undefined && request.httpVersion === '1.1') {
    return fail(new CallerError('invalid_request', 'The request has no Host header, which HTTP/1.1 requires: send one, e.g. "Host: localhost".'));
  }
  if (!url.pathname.startsWith(`/${STAGE}/`)) {
    return fail(new CallerError('not_found', `There is no endpoint ${loggablePath(url.pathname)}. ${ENDPOINTS_HINT}`));
  }
  const headers = flattenHeaders(request);
  const key = extractApiKey(headers);
  if (key === undefined) {
    return fail(new CallerError('missing_api_key', 'No API key: send "Authorization: Bearer <key>" or "x-api-key: <key>".'));
  }
  if (options.allowedKeys && !options.allowedKeys.has(key)) {
    return fail(new CallerError('invalid_api_key', 'This API key is not accepted by this gateway (see SWITCHYARD_API_KEYS).'));
  }
  let authorizer: Record<string, string> = { principalId: callerIdForKey(key) };
  if (options.verifyKey) {
    const check = await options.verifyKey(key);
    if (!check.ok) return fail(new CallerError('invalid_api_key', INVALID_KEY_MESSAGE));
    const { callerId, name, limits } = check.key;
    // The context the AWS authorizer hands the router, field for field.
    authorizer = { principalId: callerId, callerId, keyName: name, keyLimits: JSON.stringify(limits) };
  }
  const tooLarge = new CallerError('request_too_large', `The request body is over API Gateway's limit of ${API_GATEWAY_MAX_BODY_BYTES} bytes.`);
  if (expectsContinue) {
    if (Number(headers['content-length']) > API_GATEWAY_MAX_BODY_BYTES) return fail(tooLarge);
    response.writeContinue();
  }
  const bytes = await readBody(request);
  if (bytes === undefined) return fail(tooLarge);
  const { body, bodyNotUtf8 } = decodeBody(bytes);

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
    // A body that is not UTF-8 travels as API Gateway sends binary, in base64, so the router sees the bytes sent.
    body: body === '' ? null : bodyNotUtf8 === undefined ? body : bytes.toString('base64'),
    isBase64Encoded: bodyNotUtf8 !== undefined,
    requestContext: {
      requestId,
      requestTimeEpoch: arrived,
      stage: STAGE,
      httpMethod: request.method ?? 'GET',
      resourcePath: resource,
      path: url.pathname,
      authorizer,
      identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userArn: null },
    },
  } as unknown as APIGatewayProxyEvent;
  const deadline = Date.now() + options.lambdaTimeoutMs;
  const context = {
    awsRequestId: requestId,
    functionName: 'switchyard-router-local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  } as unknown as Context;

  await options.handler(event, response, context);
  // A handler that returned without ending its answer would leave the caller waiting.
  if (!response.writableEnded && !response.destroyed) throw new Error('The router handler returned without ending its response.');
}

/** The target as a URL, or `undefined` when it is not one (e.g. `http://[/v1/models`). */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/**
 * Reads the body's bytes, or `undefined` once they pass API Gateway's limit.
 * An oversize body is drained rather than cut off, so the 413 still arrives.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= API_GATEWAY_MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > API_GATEWAY_MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
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

/** What Node's parser refused, with the status Node itself would have answered. */
function rejectedByParser(error: NodeJS.ErrnoException, requestId: string): HttpError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return toHttpError(new CallerError('headers_too_large', 'The request headers are too large: keep them under 16 KB in all.'), requestId);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return toHttpError(new CallerError('request_too_large', 'The chunk extensions of the request body are too large.'), requestId);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return toHttpError(new CallerError('request_timeout', 'The request did not arrive in time: send it whole, without pauses.'), requestId);
    default:
      return toHttpError(new CallerError('invalid_request', `This is not a valid HTTP/1.1 request (${error.message}).`), requestId);
  }
}

function reply(response: ServerResponse, http: HttpError, requestId: string, target: string | undefined, extra: Record<string, string> = {}): void {
  send(response, http.status, { 'content-type': 'application/json', 'x-switchyard-request-id': requestId, ...extra }, errorBodyFor(target, http));
}

/** An error's body in the envelope of the surface its target's path belongs to: Claude Code and the Anthropic SDKs read Anthropic's. */
function errorBodyFor(target: string | undefined, http: HttpError): string {
  const path = parseTarget(target)?.pathname.slice(STAGE.length + 1) ?? '';
  return JSON.stringify(surfaceOf(path).errorBody(http));
}

/** Headers are set one by one (not passed to writeHead) so the access line can read them back. */
function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  if (response.writableEnded) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.statusCode = status;
  response.end(body);
}

/** An answer on a socket that has no ServerResponse (parse errors, CONNECT); the connection then closes. */
function writeRaw(socket: Duplex, http: HttpError, requestId: string, target: string | undefined): void {
  const body = errorBodyFor(target, http);
  const head = [
    `HTTP/1.1 ${http.status} ${STATUS_CODES[http.status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-switchyard-request-id: ${requestId}`,
    'connection: close',
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
