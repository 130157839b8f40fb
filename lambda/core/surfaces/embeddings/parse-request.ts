/**
 * OpenAI's embeddings API (`POST /v1/embeddings`): parsed at the edge, served
 * by the one embedding model the request names (or the policy's default for
 * `auto`), and priced, budgeted and recorded like any attempt. There is no
 * tier and no fallback: another model's vectors would not match the caller's.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { openAttempt, type AttemptContext, type AttemptDependencies } from '../../execution/attempt';
import { readRequestBody } from '../openai-chat/parse-request';
import { chainError } from '../../execution/chat-flow';
import { CallerError, isAttemptFailure } from '../../base/errors';
import { firstAttemptNumber } from '../../execution/fallback-contract';
import type { AttemptRecord } from '../../accounting/ledger';
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

export type EmbeddingsResult =
  | { readonly ok: true; readonly embeddings: Embeddings; readonly record: AttemptRecord }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

/** One attempt at the model: gated on its circuit, the deadline and the budgets, recorded whatever happens. */
export async function embedTexts(
  request: EmbeddingsRequest,
  model: ModelSpec,
  context: AttemptContext,
  dependencies: AttemptDependencies,
): Promise<EmbeddingsResult> {
  const provider = dependencies.providers.get(model.provider);
  if (!provider.embed) {
    throw new CallerError('invalid_request', `"${model.id}" is on a provider that serves no embeddings here.`, 'model');
  }
  const number = firstAttemptNumber();
  const messages = request.inputs.map((content) => ({ role: 'user' as const, content }));
  try {
    const attempt = await openAttempt(model, { messages, maxTokens: 1 }, context, number.take, dependencies);
    let embeddings: Embeddings;
    try {
      embeddings = await provider.embed({ model, inputs: request.inputs, dimensions: request.dimensions, signal: AbortSignal.timeout(attempt.timeoutMs) });
    } catch (error) {
      return await attempt.failed(error);
    }
    return { ok: true, embeddings, record: await attempt.succeeded(embeddings.usage, embeddings.simulated) };
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    // A chain of one: the same answers as a chat chain that ended this way (400, 429, 502, 504).
    const records = number.used() > 0 ? await dependencies.ledger.recordsFor(context.requestId) : [];
    return { ok: false, error: chainError({ status: 'exhausted', error: error.name, message: error.message }, records), records };
  }
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
