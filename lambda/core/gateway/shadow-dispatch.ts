/** Shadow traffic after a chat answer: whether the request is in its share, and the job to hand on once the answer has gone. */
import type { AttemptRecord } from '../accounting/ledger';
import { utcDay } from '../base/utc-day';
import type { AttemptContext } from '../execution/attempt-contract';
import { attemptRequestOf } from '../execution/chain-runner';
import { sampled, shadowFor, shadowName, type ShadowJob } from '../features/shadow';
import type { ChatRequest } from '../model/chat-request';
import type { RoutingDecision } from '../routing/decide-route';
import type { GatewayDependencies, GatewayRequest } from './types';

export function shadowAfterAnswer(dependencies: GatewayDependencies) {
  const { policy, clock, log } = dependencies;

  /** Whether the request is in its route's or tier's shadow share, with somewhere to send it. */
  const isShadowed = (request: GatewayRequest, decision: RoutingDecision): boolean => {
    const settings = shadowFor(decision, policy);
    return settings !== undefined && dependencies.shadows !== undefined && sampled(request.requestId, settings.percent);
  };

  /**
   * The shadow job of a sampled request, to hand on once the answer has gone;
   * undefined when the request is not shadowed. A failure to hand it on is
   * logged (never the prompt) and costs the caller nothing.
   */
  const after = (
    request: GatewayRequest,
    chat: ChatRequest,
    decision: RoutingDecision,
    context: AttemptContext,
    primaryModel: string,
    content: string,
    answers: readonly AttemptRecord[],
  ): (() => Promise<void>) | undefined => {
    const settings = shadowFor(decision, policy);
    const dispatcher = dependencies.shadows;
    if (!settings || !dispatcher || !isShadowed(request, decision)) return undefined;
    const answered = [...answers].reverse().find((record) => record.model === primaryModel && record.outcome === 'success') ?? answers.at(-1);
    const job: ShadowJob = {
      requestId: request.requestId,
      callerId: request.callerId,
      tier: decision.tier,
      route: decision.route,
      keyBudget: context.keyBudget ?? null,
      name: shadowName(decision),
      day: utcDay(clock.now()),
      candidate: settings.model.id,
      ...(settings.judge ? { judge: settings.judge.id } : {}),
      // The candidate answers the chat request, through Converse: the caller's Messages body stays here.
      request: withoutAnthropicBody(attemptRequestOf(chat, decision)),
      primary: {
        model: primaryModel,
        content,
        latencyMs: answered?.latencyMs ?? 0,
        costNanoUsd: answers.reduce((sum, record) => sum + record.costNanoUsd, 0n).toString(),
      },
    };
    return async () => {
      try {
        await dispatcher.send(job);
      } catch (error) {
        log.error('shadow job not sent', { requestId: request.requestId, name: job.name, error: error instanceof Error ? error.message : String(error) });
      }
    };
  };

  return { isShadowed, after };
}

function withoutAnthropicBody<R extends { readonly anthropicBody?: unknown }>(request: R): Omit<R, 'anthropicBody'> {
  const { anthropicBody: _kept, ...rest } = request;
  return rest;
}
