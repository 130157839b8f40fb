/**
 * Serving one chat request along its chain: the first candidate in-process
 * (the fast path, one Lambda invocation); on a failure that allows it, the
 * walk that {@link planFallback} plans, on the runner it chooses; then the
 * answer, or the failure, with every attempt the ledger holds for the request.
 */
import { attemptCandidate, type AttemptContext, type AttemptDependencies, type AttemptRequest } from './attempt';
import type { ChatRequest } from '../model/chat-request';
import {
  BUDGET_ERROR_NAMES,
  BudgetExceededError,
  ChainFailedError,
  isAttemptFailure,
  PROVIDER_ERROR_NAMES,
  ProviderError,
  ROUTING_ERROR_NAMES,
  type FailedAttemptSummary,
} from '../base/errors';
import { firstTryNumbering, planFallback, type FallbackOutcome, type FallbackPlan, type FallbackRunner } from './fallback-contract';
import type { AttemptRecord } from '../accounting/ledger';
import type { ModelSpec } from '../../policy/policy';
import type { Completion } from '../model/completion';
import type { RoutingDecision } from '../routing/decide-route';

/**
 * The fallback runner may take this long past the deadline to report: its
 * attempts stop at the deadline by themselves and record what they used, and
 * the ledger is read after it returns, so the answer lists every attempt.
 */
export const FALLBACK_REPORT_GRACE_MS = 750;

export interface ChatFlowDependencies extends AttemptDependencies {
  /** Walks the rest of the chain: the Step Functions workflow, or its local run. */
  readonly fallback: FallbackRunner;
  /** Walks it in this process: for requests too large for the workflow, and when the workflow cannot run. */
  readonly inProcessFallback: FallbackRunner;
}

export type ChatResult =
  | { readonly ok: true; readonly model: ModelSpec; readonly completion: Completion; readonly records: readonly AttemptRecord[] }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

export async function completeChat(
  chat: ChatRequest,
  decision: RoutingDecision,
  context: AttemptContext,
  dependencies: ChatFlowDependencies,
): Promise<ChatResult> {
  const { ledger, policy } = dependencies;
  const request = attemptRequestOf(chat, decision);
  const primary = decision.chain[0]!;
  const number = firstTryNumbering();
  let plan: FallbackPlan;
  try {
    const first = await attemptCandidate(primary, request, context, number.take, dependencies);
    return { ok: true, model: primary, completion: first.completion, records: [first.record] };
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    plan = planFallback({ error, attemptsUsed: number.used() }, decision.chain, request, context, policy.fallback);
  }

  const outcome = plan.walk ? await walk(plan, context, dependencies) : plan.outcome;
  const records = number.used() > 0 || plan.walk ? await ledger.recordsFor(context.requestId) : [];
  if (outcome.status === 'answered') {
    return { ok: true, model: policy.models.get(outcome.model)!, completion: outcome.completion, records };
  }
  return { ok: false, error: chainError(outcome, records), records };
}

/** The request as every attempt sends it, streamed or not. */
export function attemptRequestOf(chat: ChatRequest, decision: RoutingDecision): AttemptRequest {
  return {
    messages: chat.messages,
    maxTokens: decision.maxTokens,
    temperature: chat.temperature,
    topP: chat.topP,
    stop: chat.stop,
    cachePrompt: decision.cachePrompt,
    responseFormat: chat.responseFormat,
    ...(chat.tools.length > 0 ? { tools: chat.tools, toolChoice: chat.toolChoice, parallelToolCalls: chat.parallelToolCalls } : {}),
    ...(chat.betas?.length ? { betas: chat.betas } : {}),
    ...(chat.reasoning ? { reasoning: chat.reasoning } : {}),
  };
}

/** Runs the plan; when the workflow itself cannot run (throttled, unavailable), walks the chain here instead. */
async function walk(plan: Extract<FallbackPlan, { walk: true }>, context: AttemptContext, dependencies: ChatFlowDependencies): Promise<FallbackOutcome> {
  const { clock, log } = dependencies;
  const signal = () => AbortSignal.timeout(Math.max(1, context.deadline + FALLBACK_REPORT_GRACE_MS - clock.now()));
  const inProcess = plan.runner === 'in-process';
  try {
    return await (inProcess ? dependencies.inProcessFallback : dependencies.fallback).run(plan.input, signal());
  } catch (error) {
    log.error('fallback workflow failed', { requestId: context.requestId, error });
    if (inProcess || clock.now() >= context.deadline) {
      return { status: 'stopped', error: ROUTING_ERROR_NAMES.deadline, message: 'the fallback ran out of time' };
    }
    return dependencies.inProcessFallback.run(plan.input, signal());
  }
}

export function chainError(outcome: Exclude<FallbackOutcome, { status: 'answered' }>, records: readonly AttemptRecord[]): Error {
  const attempts: FailedAttemptSummary[] = records.flatMap((record) =>
    record.outcome === 'success'
      ? []
      : [{ model: record.model, error: record.outcome === 'aborted' ? 'unavailable' : record.outcome, latencyMs: record.latencyMs }],
  );
  switch (outcome.error) {
    case PROVIDER_ERROR_NAMES.rejected: {
      const last = records.at(-1);
      return new ProviderError('rejected', outcome.message, { provider: last?.provider ?? 'unknown', model: last?.model ?? 'unknown' });
    }
    case BUDGET_ERROR_NAMES.noRoom:
      return new BudgetExceededError('noRoom', outcome.message);
    case BUDGET_ERROR_NAMES.worstCaseTooLarge:
      // Every candidate that fitted failed or none fitted: the caller can still make the request fit.
      if (attempts.length === 0) return new BudgetExceededError('worstCaseTooLarge', outcome.message);
      break;
    case ROUTING_ERROR_NAMES.deadline:
      return new ChainFailedError('The request ran out of time before any model answered.', attempts, true);
  }
  const message = attempts.length > 0 ? 'Every model in the chain failed.' : 'No model in the chain could be tried: every circuit is open.';
  return new ChainFailedError(message, attempts, false);
}
