/** OpenAI's token usage as Switchyard's four disjoint counts: cached prompt tokens taken out of the input. */
import type { TokenUsage } from '../../core/model/usage';
import type { WireUsage } from './api-types';

export function normaliseUsage(usage: WireUsage): TokenUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return { input: prompt - cached, output: usage.completion_tokens ?? 0, cacheRead: cached, cacheWrite: 0, ...(typeof reasoning === 'number' && reasoning > 0 ? { reasoning } : {}) };
}
