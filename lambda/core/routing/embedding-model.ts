/** Which model serves an embeddings request: the one it names, through an alias too, or the policy's default for `auto`. */
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
