/**
 * Failures below HTTP (no answer at all), sorted the same way for every
 * adapter: the deadline firing is a timeout, anything else is a connection fault.
 */
import type { ProviderFailureKind } from '../core/errors';

export function connectionFailure(error: unknown, signal: AbortSignal): [ProviderFailureKind, string] {
  if (signal.aborted) return ['timeout', 'no answer before the deadline'];
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') return ['timeout', 'the provider did not answer in time'];
  return ['connection', `connection failed: ${networkCode(error) ?? (error instanceof Error ? error.message : String(error))}`];
}

function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
