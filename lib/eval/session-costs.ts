/**
 * What recorded agent sessions (test/fixtures/agent-sessions) cost as routed,
 * against always sending them to the flagship, with the prompt cache priced:
 * each turn resends the conversation so far; while the model stays the same,
 * the part the previous turn sent is read from the cache and the rest is
 * written to it; after a switch, the whole prompt is written anew. Every turn
 * goes through the gateway's own parse, decision and session affinity.
 */
import { costOf, type ModelPrice } from '../../lambda/core/accounting/money';
import { decideRoute, fitCapabilities, fitContextWindows } from '../../lambda/core/routing/decide-route';
import { sessionOf, withAffinity } from '../../lambda/core/routing/session-affinity';
import { estimateTokens } from '../../lambda/core/routing/token-estimate';
import { parseMessagesRequest } from '../../lambda/core/surfaces/anthropic-messages/parse-request';
import { parseResponsesRequest } from '../../lambda/core/surfaces/openai-responses/parse-request';
import type { ModelSpec, Policy } from '../../lambda/policy/policy';
import type { Tier } from '../../lambda/policy/schema';
import type { AgentSession } from './agent-sessions';

export interface SessionTurn {
  readonly tier: Tier;
  readonly model: string;
  readonly reasons: readonly string[];
}

export interface SessionCost {
  readonly name: string;
  readonly turns: readonly SessionTurn[];
  /** Nano-USD. */
  readonly routed: number;
  readonly flagship: number;
  /** Turns whose model differs from the previous turn's. */
  readonly switches: number;
}

/** One model per turn, priced with the cache: the previous turn's prompt is read when the model is the same. */
export function pricedTurns(models: readonly ModelSpec[], prompts: readonly number[], outputs: readonly number[]): number {
  let total = 0;
  models.forEach((model, index) => {
    const cached = index > 0 && models[index - 1]!.id === model.id && model.promptCaching ? prompts[index - 1]! + outputs[index - 1]! : 0;
    const read = Math.min(cached, prompts[index]!);
    total += Number(costOf({ input: 0, output: outputs[index]!, cacheRead: read, cacheWrite: prompts[index]! - read }, model.price as ModelPrice));
  });
  return total;
}

/** A session routed turn by turn as the gateway routes it (`affinity: false`: each turn decided alone). */
export function sessionCost(session: AgentSession, policy: Policy, { affinity = true } = {}): SessionCost {
  const held = new Map<string, Tier>();
  const turns: SessionTurn[] = [];
  const models: ModelSpec[] = [];
  const prompts: number[] = [];
  for (const turn of session.turns) {
    const chat = turn.path === '/v1/messages' ? parseMessagesRequest(JSON.stringify(turn.body), policy.limits) : parseResponsesRequest(JSON.stringify(turn.body), policy.limits);
    let decision = decideRoute(chat, { tierHeader: undefined, routeHeader: undefined, callerId: 'eval' }, policy);
    const key = sessionOf(chat, turn.headers, 'eval');
    if (affinity && key !== undefined) {
      decision = withAffinity(decision, key, held.get(key.id), policy);
      held.set(key.id, decision.tier!);
    }
    decision = fitContextWindows(fitCapabilities(decision, chat));
    turns.push({ tier: decision.tier!, model: decision.chain[0]!.id, reasons: decision.reasons });
    models.push(decision.chain[0]!);
    prompts.push(estimateTokens(chat.messages, chat.tools));
  }
  const outputs = session.turns.map((turn) => turn.outputTokens);
  return {
    name: session.name,
    turns,
    routed: pricedTurns(models, prompts, outputs),
    flagship: pricedTurns(models.map(() => policy.flagship), prompts, outputs),
    switches: models.filter((model, index) => index > 0 && models[index - 1]!.id !== model.id).length,
  };
}
