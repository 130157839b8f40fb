/** Embeddings from an OpenAI-compatible host's `/embeddings`. */
import { NO_USAGE } from '../../core/content/token-usage';
import type { EmbeddingCall, Embeddings } from '../../core/model/provider';
import type { WireResponse, WireUsage } from './api-types';
import { statusFailure, type Fail } from './errors';
import { parseJson, readText, type PostJson } from './post-json';

export async function embedWithOpenAi(postJson: PostJson, call: EmbeddingCall, fail: Fail): Promise<Embeddings> {
  const body = { model: call.model.providerModelId, input: call.inputs, encoding_format: 'float', ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}) };
  const response = await postJson('/embeddings', body, false, call.signal, call.signal, fail);
  const text = await readText(response, call, fail);
  const parsed = parseJson<{ data?: { index?: number; embedding?: unknown }[]; usage?: WireUsage }>(text);
  if (!response.ok) throw statusFailure(response, text, parsed as WireResponse | undefined, fail);
  const vectors = [...(parsed?.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((entry) => entry.embedding);
  if (vectors.length !== call.inputs.length || !vectors.every(isNumberArray) || !parsed?.usage) {
    throw fail('malformed_response', 'response has no embedding per input, or no usage', { status: 200 });
  }
  return { vectors, usage: { ...NO_USAGE, input: parsed.usage.prompt_tokens ?? 0 }, simulated: false };
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'number');
}
