/**
 * Embeddings: the Embeddings surface (the API has no stream and no finish
 * reasons, so it has no files for them): parse the request, encode the answer,
 * map usage, the error envelope, and the surface object.
 *
 * This file: vectors as OpenAI's embeddings list.
 */
import type { Embeddings } from '../../model/provider';
import { embeddingsUsage } from './map-usage';
import type { EmbeddingsRequest } from '../../model/embeddings-request';

/** OpenAI's list of embeddings; base64 is the float32 little-endian bytes, as OpenAI encodes them. */
export function toEmbeddingsResponse(model: string, request: EmbeddingsRequest, embeddings: Embeddings) {
  return {
    object: 'list',
    model,
    data: embeddings.vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: request.encodingFormat === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    usage: embeddingsUsage(embeddings.usage),
  };
}
