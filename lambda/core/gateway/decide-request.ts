/** A chat request parsed and decided: its tier and chain, after budgets, the key's limits, capabilities and context windows. */
import { downgradeWithinBudgets } from '../accounting/budgets';
import { CallerError } from '../base/errors';
import { applyKeyLimits } from '../features/managed-keys';
import { decideRoute, fitCapabilities, fitContextWindows, type RoutingDecision } from '../routing/decide-route';
import { sessionOf, withAffinity } from '../routing/session-affinity';
import type { ChatRequest } from '../model/chat-request';
import type { ModelSpec } from '../../policy/policy';
import type { Tier } from '../../policy/schema';
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
  const decided = await withSession(decideRoute(chat, signalsOf(request), policy), chat, request, dependencies, remember);
  return { chat, decision: await fitted(decided, chat, request, dependencies) };
}

/** Budgets may lower the tier, the key may narrow the chain, and candidates too small for the prompt drop out. */
async function fitted(decided: RoutingDecision, chat: ChatRequest, request: GatewayRequest, dependencies: DecisionDependencies): Promise<RoutingDecision> {
  const routed = await downgradeWithinBudgets(decided, { callerId: request.callerId, keyBudget: request.keyLimits?.dailyBudget }, dependencies);
  return fitContextWindows(fitCapabilities(applyKeyLimits(routed, request.keyLimits, dependencies.policy), chat));
}

/**
 * The chain a cascade escalates to when the cheap answer fails its check:
 * the next tier's, fitted as any decision is (budgets, the key's limits,
 * capabilities, context windows). Empty when there is no tier above, or the
 * budgets hold the request where it is.
 */
export async function escalationChain(decision: RoutingDecision, chat: ChatRequest, request: GatewayRequest, dependencies: DecisionDependencies): Promise<readonly ModelSpec[]> {
  if (decision.tier === null || decision.tier === 3) return [];
  const tier = (decision.tier + 1) as Tier;
  const { policy } = dependencies;
  const up = await fitted({ ...decision, tier, chain: policy.tiers[tier], reasons: [`escalated from tier ${decision.tier}`] }, chat, request, dependencies);
  return up.tier === tier ? up.chain : [];
}

async function withSession(decision: RoutingDecision, chat: ChatRequest, request: GatewayRequest, { sessions, policy }: DecisionDependencies, remember: boolean): Promise<RoutingDecision> {
  if (sessions === undefined || decision.source !== 'classifier' || decision.tier === null) return decision;
  const session = sessionOf(chat, request.headers, request.callerId);
  if (session === undefined) return decision;
  const sticky = withAffinity(decision, session, await sessions.read(session.id), policy);
  if (remember && sticky.affinity.outcome !== 'kept') await sessions.raise(session.id, sticky.tier!);
  return sticky;
}
