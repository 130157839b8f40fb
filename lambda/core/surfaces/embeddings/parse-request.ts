/**
 * OpenAI's embeddings API (`POST /v1/embeddings`): parsed at the edge, served
 * by the one embedding model the request names (or the policy's default for
 * `auto`), and priced, budgeted and recorded like any attempt. There is no
 * tier and no fallback: another model's vectors would not match the caller's.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { readRequestBody } from '../openai-chat/parse-request';
import { CallerError } from '../../base/errors';
import type { Limits, ModelSpec, Policy } from '../../../policy/policy';
import type { Embeddings } from '../../model/provider';
import { resolveAlias } from '../../routing/decide-route';

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

export interface EmbeddingsRequest {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly dimensions: number | undefined;
  readonly encodingFormat: 'float' | 'base64';
  /** Parameters accepted and not sent (`user`): named in `x-switchyard-dropped-params`. */
  readonly dropped: readonly string[];
}

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

/** The embedding model a request names (through an alias too), or the policy's default for `auto`. @throws CallerError */
export function embeddingModelFor(name: string, policy: Policy): ModelSpec {
  const target = resolveAlias(name, policy);
  const model = target === 'auto' ? policy.defaultEmbeddingModel : policy.models.get(target);
  const embedding = [...policy.models.values()].filter((candidate) => candidate.type === 'embedding').map((candidate) => candidate.id);
  if (target === 'auto' && !model) {
    throw new CallerError('invalid_request', `This gateway has no default embedding model: name one (${embedding.join(', ') || 'none configured'}), or set "embeddings.default" in the policy.`, 'model');
  }
  if (!model || model.type !== 'embedding') {
    throw new CallerError('model_not_found', `"${name.slice(0, 64)}" is not an embedding model on this gateway. Embedding models: ${embedding.join(', ') || 'none configured'}.`, 'model');
  }
  return model;
}

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
    usage: { prompt_tokens: embeddings.usage.input, total_tokens: embeddings.usage.input },
  };
}
