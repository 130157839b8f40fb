/** Converse's token usage as Switchyard's four disjoint counts. */
import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { TokenUsage } from '../../core/model/usage';

export function normaliseUsage(usage: NonNullable<ConverseCommandOutput['usage']>): TokenUsage {
  return {
    input: usage.inputTokens ?? 0,
    output: usage.outputTokens ?? 0,
    cacheRead: usage.cacheReadInputTokens ?? 0,
    cacheWrite: usage.cacheWriteInputTokens ?? 0,
  };
}
