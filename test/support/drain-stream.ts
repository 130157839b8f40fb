/** Everything a provider stream gave before it ended or failed, and the failure, which must be a `ProviderError`. */
import { ProviderError } from '../../lambda/core/base/errors';
import type { CompletionChunk } from '../../lambda/core/model/completion';

export async function drainStream(stream: AsyncIterable<CompletionChunk>): Promise<{ chunks: CompletionChunk[]; error: ProviderError | undefined }> {
  const chunks: CompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return { chunks, error: error as ProviderError };
  }
  return { chunks, error: undefined };
}
