/**
 * `GET /models`: every name a request may use: the virtual models, the
 * configured models and the exact aliases (a family pattern such as
 * `claude-*` is not a name). One list in both OpenAI's and Anthropic's
 * shapes, whose fields do not collide, so either SDK's `models.list()` reads it.
 */
import { VIRTUAL_MODELS } from '../../routing/decide-route';
import { json } from '../respond';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function modelsEndpoint({ policy, clock }: GatewayDependencies): EndpointHandler {
  const startedAtSeconds = Math.floor(clock.now() / 1000);
  const createdAt = new Date(startedAtSeconds * 1000).toISOString();
  const entry = (id: string, ownedBy: string, extra: Record<string, unknown> = {}) => ({
    id,
    object: 'model',
    created: startedAtSeconds,
    owned_by: ownedBy,
    type: 'model',
    display_name: id,
    created_at: createdAt,
    ...extra,
  });
  return async (request) => {
    const data = [
      ...VIRTUAL_MODELS.map((id) => entry(id, 'switchyard')),
      ...[...policy.models.values()].map((model) => entry(model.id, model.provider, { model_type: model.type, capabilities: [...model.capabilities] })),
      ...Object.entries(policy.aliases)
        .filter(([alias]) => !alias.endsWith('*'))
        .map(([alias, target]) => entry(alias, 'switchyard', { alias_of: target })),
    ];
    return json(request, 'models', { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  };
}
