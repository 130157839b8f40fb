/** Converse's token usage as Switchyard's four disjoint counts. */
import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { TokenUsage } from '../../core/model/usage';

export function normaliseUsage(usage: NonNullable<ConverseCommandOutput['usage']>): TokenUsage {
  return {
    input: usage.inputTokens ?? 0,
    output: usage.outputTokens ?? 0,
    cacheRead: usage.cacheReadInputTokens ?? 0,
    cacheWrite: usage.cacheWriteInputTokens ?? 0,
    // Claude's one-hour cache writes bill at their own rate; the breakdown says how many there were.
    ...oneHourWrites(usage.cacheDetails),
  };
}

function oneHourWrites(details: NonNullable<ConverseCommandOutput['usage']>['cacheDetails']): Pick<TokenUsage, 'cacheWrite1h'> {
  const tokens = (details ?? []).filter((detail) => detail.ttl === '1h').reduce((sum, detail) => sum + (detail.inputTokens ?? 0), 0);
  return tokens > 0 ? { cacheWrite1h: tokens } : {};
}
