/** Token usage in Anthropic's shape. */
import type { TokenUsage } from '../../model/usage';

/** Usage as Anthropic counts it: input excludes cached tokens, which are counted apart. */
export function anthropicUsage(usage: TokenUsage) {
  return {
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
  };
}
