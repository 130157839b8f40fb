/**
 * Failures below HTTP (no answer at all), sorted the same way for every
 * adapter: the deadline firing or a socket timeout is a timeout, anything else
 * is a connection fault. The code is read before the name because the AWS
 * SDK names a reset socket `TimeoutError`.
 */
import type { ProviderFailureKind } from '../core/errors';

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
