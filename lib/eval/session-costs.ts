/**
 * What recorded agent sessions (test/fixtures/agent-sessions) cost as routed,
 * against always sending them to the flagship, with the prompt cache priced:
 * each turn resends the conversation so far; while the model stays the same,
 * the part the previous turn sent is read from the cache and the rest is
 * written to it; after a switch, the whole prompt is written anew. Every turn
 * goes through the gateway's own decision (`decideRequest`: parse, classifier,
 * session affinity, capabilities and context windows).
 */
import { costOf, type ModelPrice } from '../../lambda/core/accounting/money';
import { createMemoryBudgetStore } from '../../lambda/core/accounting/budgets';
import { decideRequest } from '../../lambda/core/gateway/decide-request';
import { createMemorySessionStore } from '../../lambda/core/routing/session-affinity';
import { ANTHROPIC_MESSAGES } from '../../lambda/core/surfaces/anthropic-messages/surface';
import { OPENAI_RESPONSES } from '../../lambda/core/surfaces/openai-responses/surface';
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
export async function sessionCost(session: AgentSession, policy: Policy, { affinity = true } = {}): Promise<SessionCost> {
  const dependencies = {
    policy,
    budgets: createMemoryBudgetStore(),
    clock: Date,
    log: { info: () => undefined, error: () => undefined },
    sessions: affinity ? createMemorySessionStore() : undefined,
  };
  const turns: SessionTurn[] = [];
  const models: ModelSpec[] = [];
  const prompts: number[] = [];
  for (const [index, turn] of session.turns.entries()) {
    const request = {
      requestId: `${session.name}-${index}`,
      method: 'POST',
      path: turn.path,
      headers: turn.headers,
      query: {},
      body: JSON.stringify(turn.body),
      callerId: 'eval',
      deadline: Number.POSITIVE_INFINITY,
      keyLimits: undefined,
    };
    const { decision } = await decideRequest(request, turn.path === '/v1/messages' ? ANTHROPIC_MESSAGES : OPENAI_RESPONSES, dependencies);
    turns.push({ tier: decision.tier!, model: decision.chain[0]!.id, reasons: decision.reasons });
    models.push(decision.chain[0]!);
    prompts.push(decision.inputTokenEstimate);
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
