/** What every adapter's embeddings share: a vector told from anything else, and the answer built from vectors and input tokens. */
import { NO_USAGE } from '../core/content/token-usage';
import type { Embeddings } from '../core/model/provider';

export function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'number');
}

/** The vectors in input order, with the input tokens they cost: embedding models write no output. */
export function embeddingsOf(vectors: readonly (readonly number[])[], inputTokens: number): Embeddings {
  return { vectors, usage: { ...NO_USAGE, input: inputTokens }, simulated: false };
}
