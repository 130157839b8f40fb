/** An OpenAI-compatible host's failures (error answers and error events in a stream) sorted into failure kinds. */
import type { ProviderError, ProviderFailureKind } from '../../core/base/errors';
import type { Fail } from '../call-failure';
import { failureKindOfStatus } from '../failure-kinds';
import type { WireError, WireResponse } from './api-types';

const CONTEXT_LENGTH = /context[_ ]length|maximum context|too many tokens|prompt is too long|reduce the length/i;

/** A non-2xx answer, the same way whether or not the call asked for a stream. */
export function statusFailure(response: Response, text: string, parsed: WireResponse | undefined, fail: Fail): ProviderError {
  const status = response.status;
  const message = `HTTP ${status}: ${parsed?.error?.message ?? (text.slice(0, 200) || response.statusText)}`;
  return fail(classifyStatus(status, parsed?.error), message, { status, retryAfterMs: retryAfterMs(response.headers) });
}

/** OpenAI's error codes first (a spent quota is an account problem, not a rate limit), then the status. */
export function classifyStatus(status: number, error: WireError | undefined): ProviderFailureKind {
  const code = error?.code ?? error?.type ?? '';
  const kind = failureKindOfStatus(status);
  if (kind === 'throttled' && code === 'insufficient_quota') return 'provider_auth';
  if (kind === 'rejected' && (code === 'context_length_exceeded' || CONTEXT_LENGTH.test(error?.message ?? ''))) return 'context_length';
  return kind;
}

/**
 * An error event inside a 200 stream has no status of its own: read the one its
 * code or type stands for, so it sorts like the same error before the stream.
 * Anything unrecognised broke after the provider accepted the request: a server fault.
 */
const STREAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  insufficient_quota: 429,
  context_length_exceeded: 400,
  invalid_request_error: 400,
  invalid_api_key: 401,
  authentication_error: 401,
  permission_error: 403,
  server_error: 500,
  api_error: 500,
  service_unavailable: 503,
  overloaded_error: 503,
  timeout: 504,
};

export function statusOfStreamError(error: WireError): number {
  if (typeof error.code === 'number' && error.code >= 400 && error.code <= 599) return error.code;
  for (const key of [error.code, error.type]) {
    if (typeof key === 'string' && Object.hasOwn(STREAM_ERROR_STATUS, key)) return STREAM_ERROR_STATUS[key]!;
  }
  return 500;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
