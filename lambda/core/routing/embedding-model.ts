/** Which model serves an embeddings request (the one it names, through an alias too, or the policy's default for `auto`), and the vector sizes it may ask for. */
import { CallerError } from '../base/errors';
import type { ModelSpec, Policy } from '../../policy/policy';
import { resolveAlias } from './decide-route';

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

/** The vector sizes a model offers: a list, or any size from 1 to a largest. */
type Sizes = { readonly sizes: readonly number[] } | { readonly upTo: number };

/**
 * Each embedding model's vector sizes, by the id its provider knows, from
 * the provider's own documentation:
 * - Titan Text Embeddings V2: 1024 (its default), 512 or 256 (Amazon Bedrock
 *   user guide, "Amazon Titan Embeddings Text", V2 request `dimensions`);
 * - OpenAI's text-embedding-3 models: any size up to 1536 (small) or 3072
 *   (large), their defaults (OpenAI API reference, embeddings `dimensions`);
 * - Cohere Embed v4: 256, 512, 1024 or 1536 (its default) (Cohere's Embed
 *   API, `output_dimension`); the v3 models have one size and take none.
 */
const EMBEDDING_SIZES: Readonly<Record<string, Sizes>> = {
  'amazon.titan-embed-text-v2:0': { sizes: [256, 512, 1024] },
  'text-embedding-3-small': { upTo: 1536 },
  'text-embedding-3-large': { upTo: 3072 },
  'cohere.embed-v4:0': { sizes: [256, 512, 1024, 1536] },
};

/**
 * Refuses a `dimensions` the model does not offer, before any call: a vector
 * size is also how much work and memory the answer takes. @throws CallerError
 */
export function checkDimensions(dimensions: number | undefined, model: Pick<ModelSpec, 'id' | 'providerModelId'>): void {
  if (dimensions === undefined) return;
  // A geographic or global inference profile (`us.`, `eu.`, `global.`) serves the same model.
  const offered = EMBEDDING_SIZES[model.providerModelId.replace(/^(us|eu|apac|jp|au|global)\./, '')];
  if (offered === undefined) {
    throw new CallerError('invalid_request', `"dimensions" is ${dimensions}, but ${model.id} has one vector size: leave "dimensions" out.`, 'dimensions');
  }
  const fits = 'sizes' in offered ? offered.sizes.includes(dimensions) : dimensions <= offered.upTo;
  if (!fits) {
    const allowed = 'sizes' in offered ? offered.sizes.join(', ') : `1 to ${offered.upTo}`;
    throw new CallerError('invalid_request', `"dimensions" is ${dimensions}; ${model.id} offers ${allowed}.`, 'dimensions');
  }
}
