/** A chat request parsed and decided: its tier and chain, after budgets, the key's limits, capabilities and context windows. */
import { downgradeWithinBudgets } from '../accounting/budgets';
import { CallerError } from '../base/errors';
import { applyKeyLimits } from '../features/managed-keys';
import { decideRoute, fitCapabilities, fitContextWindows, type RoutingDecision } from '../routing/decide-route';
import { sessionOf, withAffinity } from '../routing/session-affinity';
import type { ChatRequest } from '../model/chat-request';
import type { ChatSurface } from '../surfaces/shared/surface';
import { signalsOf } from './request-context';
import type { GatewayDependencies, GatewayRequest } from './types';

/** What deciding reads: the policy, the budgets' spend and the sessions' tiers. */
export type DecisionDependencies = Pick<GatewayDependencies, 'policy' | 'budgets' | 'clock' | 'log' | 'sessions'>;

/**
 * The classifier's tier under the session's memory (see session-affinity.ts);
 * then budgets may lower the tier, the key may narrow the chain, and
 * candidates too small for the prompt drop out. `remember: false` (for
 * `/v1/route`) reads the session without moving it.
 */
export async function decideRequest(request: GatewayRequest, surface: Pick<ChatSurface, 'parse'>, dependencies: DecisionDependencies, { remember = true } = {}) {
  const { policy } = dependencies;
  const chat = surface.parse(request.body, policy.limits, request.headers);
  const hosted = chat.droppedTools ?? [];
  if (hosted.length > 0 && policy.hostedTools === 'refuse') {
    throw new CallerError('unsupported_parameter', `"tools" offers ${hosted.map((type) => `"${type}"`).join(', ')}: hosted tools are not run here (the policy's hostedTools is "refuse"); run the tool in your client.`, 'tools');
  }
  const budgets = { callerId: request.callerId, keyBudget: request.keyLimits?.dailyBudget };
  const decided = await withSession(decideRoute(chat, signalsOf(request), policy), chat, request, dependencies, remember);
  const routed = await downgradeWithinBudgets(decided, budgets, dependencies);
  const decision = applyKeyLimits(routed, request.keyLimits, policy);
  return { chat, decision: fitContextWindows(fitCapabilities(decision, chat)) };
}

async function withSession(decision: RoutingDecision, chat: ChatRequest, request: GatewayRequest, { sessions, policy }: DecisionDependencies, remember: boolean): Promise<RoutingDecision> {
  if (sessions === undefined || decision.source !== 'classifier' || decision.tier === null) return decision;
  const session = sessionOf(chat, request.headers, request.callerId);
  if (session === undefined) return decision;
  const sticky = withAffinity(decision, session, await sessions.read(session.id), policy);
  if (remember && sticky.affinity.outcome !== 'kept') await sessions.raise(session.id, sticky.tier!);
  return sticky;
}
