/** `POST /route`: the decision a chat request would get (tier, reasons, scores, chain and each circuit), without calling a model. */
import { circuitStatus, CLOSED } from '../../execution/circuit-breaker';
import { describeDecision } from '../../routing/decide-route';
import { OPENAI_CHAT } from '../../surfaces/openai-chat/surface';
import { decideRequest } from '../decide-request';
import { json } from '../respond';
import { describeAttempts } from '../response-headers';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function routeEndpoint(dependencies: GatewayDependencies): EndpointHandler {
  const { circuits, clock } = dependencies;
  return async (request) => {
    const { decision } = await decideRequest(request, OPENAI_CHAT, dependencies, { remember: false });
    const states = await circuits.read(decision.chain.map((model) => model.id));
    const now = clock.now();
    const described = describeDecision(decision);
    const chain = described.chain.map((entry) => ({ ...entry, circuit: circuitStatus(states.get(entry.model) ?? CLOSED, now) }));
    return json(request, 'route', { ...described, chain }, describeAttempts(decision, []));
  };
}
