/** Anthropic's `usage` object as Switchyard's disjoint counts, one-hour cache writes apart. */
import type { TokenUsage } from '../../core/model/usage';

export interface WireUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_creation?: { readonly ephemeral_5m_input_tokens?: number | null; readonly ephemeral_1h_input_tokens?: number | null } | null;
}

/** Anthropic's `input_tokens` already leaves cached tokens out, as Switchyard's `input` does. */
export function usageOf(usage: WireUsage): TokenUsage {
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  return {
    input: usage.input_tokens ?? 0,
    output: usage.output_tokens ?? 0,
    cacheRead: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
    ...(oneHour > 0 ? { cacheWrite1h: oneHour } : {}),
  };
}

/** A stream's usage: `message_delta` carries the final counts, some of which only `message_start` had. */
export function mergeUsage(start: WireUsage | undefined, delta: WireUsage | undefined): TokenUsage | undefined {
  if (!start && !delta) return undefined;
  const pick = <K extends keyof WireUsage>(key: K) => (delta?.[key] ?? start?.[key]) as WireUsage[K];
  return usageOf({
    input_tokens: pick('input_tokens'),
    output_tokens: pick('output_tokens'),
    cache_read_input_tokens: pick('cache_read_input_tokens'),
    cache_creation_input_tokens: pick('cache_creation_input_tokens'),
    cache_creation: pick('cache_creation'),
  });
}
