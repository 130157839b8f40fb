/**
 * OpenAI's embeddings request (`POST /v1/embeddings`) parsed at the edge. The
 * embeddings surface has no stream and no finish reasons (the API has
 * neither), so its folder has no files for them.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { readRequestBody } from '../shared/read-body';
import type { EmbeddingsRequest } from '../../model/embeddings-request';
import type { Limits } from '../../../policy/policy';

/** OpenAI's own limit on texts per request. */
const MAX_INPUTS = 2048;

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: "auto" or an embedding model id from GET /v1/models')),
  input: z.union([
    z.string().check(z.minLength(1, 'must not be empty')),
    z.array(z.string().check(z.minLength(1, 'must not be empty'))).check(z.minLength(1, 'must contain at least one text'), z.maxLength(MAX_INPUTS)),
  ]),
  dimensions: z.nullish(z.int().check(z.positive())),
  encoding_format: z.nullish(z.enum(['float', 'base64'])),
});

export function parseEmbeddingsRequest(body: string | undefined, limits: Limits): EmbeddingsRequest {
  const { data: request, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model" and "input"' });
  return {
    model: request.model,
    inputs: typeof request.input === 'string' ? [request.input] : request.input,
    dimensions: request.dimensions ?? undefined,
    encodingFormat: request.encoding_format ?? 'float',
    dropped,
  };
}
