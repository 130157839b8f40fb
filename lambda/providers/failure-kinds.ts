/**
 * How every adapter sorts what it could not use into failure kinds, where the
 * provider's own error code says nothing more specific: one table for HTTP
 * statuses, and one rule for failures below HTTP (no answer at all).
 */
import type { ProviderFailureKind } from '../core/base/errors';

/** The failure an HTTP error status means. */
export function failureKindOfStatus(status: number): ProviderFailureKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'provider_auth';
  // OpenAI answers a model this key cannot use, or that does not exist, with a 404.
  if (status === 404) return 'model_unavailable';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status === 413) return 'context_length';
  return 'rejected';
}

/**
 * No answer at all: the deadline firing or a socket timeout is a timeout,
 * anything else is a connection fault. The code is read before the name
 * because the AWS SDK names a reset socket `TimeoutError`.
 */
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function connectionFailure(error: unknown, signal: AbortSignal): [ProviderFailureKind, string] {
  if (signal.aborted) return ['timeout', 'no answer before the deadline'];
  const code = networkCode(error);
  if (code !== undefined) {
    return TIMEOUT_CODES.has(code) ? ['timeout', `the provider did not answer in time (${code})`] : ['connection', `connection failed: ${code}`];
  }
  if (error instanceof Error && error.name === 'TimeoutError') return ['timeout', 'the provider did not answer in time'];
  return ['connection', `connection failed: ${error instanceof Error ? error.message : String(error)}`];
}

function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
