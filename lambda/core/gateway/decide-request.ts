/** A chat request parsed and decided: its tier and chain, after budgets, the key's limits, capabilities and context windows. */
import { downgradeWithinBudgets } from '../accounting/budgets';
import { CallerError } from '../base/errors';
import { applyKeyLimits } from '../features/managed-keys';
import { decideRoute, fitCapabilities, fitContextWindows } from '../routing/decide-route';
import type { ChatSurface } from '../surfaces/shared/surface';
import { signalsOf } from './request-context';
import type { GatewayDependencies, GatewayRequest } from './types';

/** Budgets may lower the tier, the key may narrow the chain, and candidates too small for the prompt drop out. */
export async function decideRequest(request: GatewayRequest, surface: Pick<ChatSurface, 'parse'>, dependencies: GatewayDependencies) {
  const { policy } = dependencies;
  const chat = surface.parse(request.body, policy.limits, request.headers);
  const hosted = chat.droppedTools ?? [];
  if (hosted.length > 0 && policy.hostedTools === 'refuse') {
    throw new CallerError('unsupported_parameter', `"tools" offers ${hosted.map((type) => `"${type}"`).join(', ')}: hosted tools are not run here (the policy's hostedTools is "refuse"); run the tool in your client.`, 'tools');
  }
  const budgets = { callerId: request.callerId, keyBudget: request.keyLimits?.dailyBudget };
  const routed = await downgradeWithinBudgets(decideRoute(chat, signalsOf(request), policy), budgets, dependencies);
  const decision = applyKeyLimits(routed, request.keyLimits, policy);
  return { chat, decision: fitContextWindows(fitCapabilities(decision, chat)) };
}
