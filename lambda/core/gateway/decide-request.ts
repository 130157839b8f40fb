/** A chat request parsed and decided: its tier and chain, after budgets, the key's limits, capabilities and context windows. */
import { downgradeWithinBudgets } from '../accounting/budgets';
import { applyKeyLimits } from '../features/managed-keys';
import { decideRoute, fitCapabilities, fitContextWindows } from '../routing/decide-route';
import type { ChatSurface } from '../surfaces/shared/surface';
import { signalsOf } from './request-context';
import type { GatewayDependencies, GatewayRequest } from './types';

/** Budgets may lower the tier, the key may narrow the chain, and candidates too small for the prompt drop out. */
export async function decideRequest(request: GatewayRequest, surface: Pick<ChatSurface, 'parse'>, dependencies: GatewayDependencies) {
  const { policy } = dependencies;
  const chat = surface.parse(request.body, policy.limits, request.headers);
  const budgets = { callerId: request.callerId, keyBudget: request.keyLimits?.dailyBudget };
  const routed = await downgradeWithinBudgets(decideRoute(chat, signalsOf(request), policy), budgets, dependencies);
  const decision = applyKeyLimits(routed, request.keyLimits, policy);
  return { chat, decision: fitContextWindows(fitCapabilities(decision, chat)) };
}
