/** Token usage in OpenAI's embeddings shape: input only, since an embedding model writes no output. */
import type { TokenUsage } from '../../model/usage';

export function embeddingsUsage(usage: TokenUsage) {
  return { prompt_tokens: usage.input, total_tokens: usage.input };
}
