/** Token usage in the Responses API's shape. */
import { promptTokens } from '../../content/token-usage';
import type { TokenUsage } from '../../model/usage';

/** Usage as Responses counts it: input includes cached tokens, which are also counted apart. */
export function responsesUsage(usage: TokenUsage) {
  const input = promptTokens(usage);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: input + usage.output,
  };
}
