/**
 * Translation between API Gateway's proxy event and the gateway core's plain
 * request and response.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerIdForPrincipal } from '../core/features/auth';
import { keyLimitsSchema, type KeyLimits } from '../core/features/managed-keys';
import type { GatewayRequest, GatewayResponse } from '../core/gateway/types';
import type { HttpResponseMetadata } from './response-stream';
import { decodeBody } from '../core/surfaces/shared/read-body';

/** Time kept back from the deadline to write the ledger and send the answer. */
export const RESPONSE_RESERVE_MS = 1500;

export function toGatewayRequest(
  event: APIGatewayProxyEvent,
  remainingMs: number,
  requestTimeoutMs: number,
  now = Date.now(),
): GatewayRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const decoded = event.body !== null && event.isBase64Encoded ? decodeBody(Buffer.from(event.body, 'base64')) : { body: event.body ?? undefined, bodyNotUtf8: undefined };
  return {
    requestId: event.requestContext.requestId,
    method: event.httpMethod,
    path: event.resource,
    headers,
    query: { ...(event.queryStringParameters ?? {}) },
    ...decoded,
    callerId: callerIdOf(event),
    keyLimits: keyLimitsOf(event),
    // API Gateway's clock started when the request arrived, before the authorizer and any cold start.
    deadline: Math.min(now + remainingMs, (event.requestContext.requestTimeEpoch || now) + requestTimeoutMs) - RESPONSE_RESERVE_MS,
  };
}

/** The authorizer's principal (API-key mode) or the signing IAM principal (IAM mode). */
function callerIdOf(event: APIGatewayProxyEvent): string {
  const principal = event.requestContext.authorizer?.['principalId'];
  if (typeof principal === 'string' && principal !== '') return principal;
  const arn = event.requestContext.identity?.userArn;
  return arn ? callerIdForPrincipal(arn) : 'anonymous';
}

/** A managed key's limits, as the authorizer put them in its context (a JSON string: context values are flat). */
function keyLimitsOf(event: APIGatewayProxyEvent): KeyLimits | undefined {
  const text = event.requestContext.authorizer?.['keyLimits'];
  if (typeof text !== 'string') return undefined;
  // Written by our own authorizer: a malformed one is a server fault, not the caller's, and must not pass unlimited.
  return keyLimitsSchema.parse(JSON.parse(text)) as KeyLimits;
}

/**
 * The status and headers that start the answer. A streamed answer is labelled
 * as server-sent events, which the handler writes it as, and must not be
 * cached by anything in between.
 */
export function toResponseMetadata(response: Pick<GatewayResponse, 'status' | 'headers' | 'stream'>): HttpResponseMetadata {
  if (!response.stream) return { statusCode: response.status, headers: { ...response.headers } };
  const contentType = response.headers['content-type'];
  return {
    statusCode: response.status,
    headers: {
      'cache-control': 'no-cache',
      ...response.headers,
      'content-type': contentType?.startsWith(EVENT_STREAM) ? contentType : EVENT_STREAM,
    },
  };
}

const EVENT_STREAM = 'text/event-stream';
