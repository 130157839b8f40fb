/** Token usage in OpenAI's chat-completions shape. */
import { promptTokens } from '../../content/token-usage';
import type { TokenUsage } from '../../model/usage';

/** Usage in OpenAI's shape: prompt tokens include cached ones, which are also counted apart. */
export function wireUsage(usage: TokenUsage) {
  const prompt = promptTokens(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead },
    ...(usage.reasoning !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.reasoning } } : {}),
  };
}
