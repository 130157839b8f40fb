/** Embeddings from an OpenAI-compatible host's `/embeddings`. */
import type { EmbeddingCall, Embeddings } from '../../core/model/provider';
import { readText, type Fail } from '../call-failure';
import { embeddingsOf, isVector } from '../embedding-vectors';
import type { WireResponse, WireUsage } from './api-types';
import { statusFailure } from './errors';
import { parseJson, type PostJson } from './post-json';

export async function embedWithOpenAi(postJson: PostJson, call: EmbeddingCall, fail: Fail): Promise<Embeddings> {
  const body = { model: call.model.providerModelId, input: call.inputs, encoding_format: 'float', ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}) };
  const response = await postJson('/embeddings', body, false, call.signal, call.signal, fail);
  const text = await readText(response, call, fail);
  const parsed = parseJson<{ data?: { index?: number; embedding?: unknown }[]; usage?: WireUsage }>(text);
  if (!response.ok) throw statusFailure(response, text, parsed as WireResponse | undefined, fail);
  const vectors = [...(parsed?.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((entry) => entry.embedding);
  if (vectors.length !== call.inputs.length || !vectors.every(isVector) || !parsed?.usage) {
    throw fail('malformed_response', 'response has no embedding per input, or no usage', { status: 200 });
  }
  return embeddingsOf(vectors, parsed.usage.prompt_tokens ?? 0);
}
