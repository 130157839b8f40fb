/**
 * Walks a decision's chain of candidates in-process until one answers.
 *
 * Every attempt yields an {@link AttemptRecord}, successful or not, so the
 * ledger sees each one exactly once. What a failure means is decided by
 * `fallbackAction`, never here.
 */
import type { ChatRequest } from './chat-request';
import { ChainFailedError, ProviderError, fallbackAction, type FailedAttemptSummary } from './errors';
import type { AttemptOutcome, AttemptRecord } from './ledger';
import { costOf } from './money';
import type { ModelSpec, Policy } from './policy';
import type { Completion, ProviderRegistry } from './provider';
import type { RoutingDecision } from './routing';
import { NO_USAGE, type TokenUsage } from './usage';

export interface ChainContext {
  readonly requestId: string;
  readonly callerId: string;
  /** Epoch milliseconds by which the whole chain must have finished. */
  readonly deadline: number;
}

export interface ChainClock {
  /** Epoch milliseconds. */
  now(): number;
}

export type ChainResult =
  | { readonly ok: true; readonly completion: Completion; readonly model: ModelSpec; readonly records: readonly AttemptRecord[] }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

export async function runChain(
  request: ChatRequest,
  decision: RoutingDecision,
  context: ChainContext,
  dependencies: { readonly policy: Policy; readonly providers: ProviderRegistry; readonly clock: ChainClock },
): Promise<ChainResult> {
  const { policy, providers, clock } = dependencies;
  const records: AttemptRecord[] = [];
  const failures: FailedAttemptSummary[] = [];
  let needsContextAbove = 0;

  const record = (model: ModelSpec, startedAt: number, usage: TokenUsage, outcome: AttemptOutcome, simulated: boolean) => {
    records.push({
      requestId: context.requestId,
      attempt: records.length + 1,
      startedAt: new Date(startedAt).toISOString(),
      callerId: context.callerId,
      tier: decision.tier,
      route: decision.route,
      provider: model.provider,
      model: model.id,
      usage,
      costNanoUsd: costOf(usage, model.price),
      flagshipCostNanoUsd: costOf(usage, policy.flagship.price),
      latencyMs: clock.now() - startedAt,
      outcome,
      simulated,
    });
  };

  for (const model of decision.chain) {
    if (model.contextWindow <= needsContextAbove) continue;
    const startedAt = clock.now();
    const remaining = context.deadline - startedAt;
    if (remaining <= 0) {
      return { ok: false, error: deadlineError(failures), records };
    }
    try {
      const completion = await providers.get(model.provider).complete({
        model,
        messages: request.messages,
        maxTokens: Math.min(decision.maxTokens, model.maxOutputTokens),
        temperature: request.temperature,
        topP: request.topP,
        stop: request.stop,
        signal: AbortSignal.timeout(remaining),
      });
      record(model, startedAt, completion.usage, 'success', completion.simulated);
      return { ok: true, completion, model, records };
    } catch (error) {
      const simulated = providers.isSimulated(model.provider);
      if (!(error instanceof ProviderError)) {
        record(model, startedAt, NO_USAGE, 'aborted', simulated);
        return { ok: false, error: asError(error), records };
      }
      record(model, startedAt, error.usage ?? NO_USAGE, error.kind, simulated);
      failures.push({ model: model.id, error: error.kind, latencyMs: clock.now() - startedAt });
      const action = fallbackAction(error);
      if (action === 'stop') return { ok: false, error, records };
      if (action === 'next-larger-context') needsContextAbove = Math.max(needsContextAbove, model.contextWindow);
      if (error.kind === 'timeout' && clock.now() >= context.deadline) {
        return { ok: false, error: deadlineError(failures), records };
      }
    }
  }
  const message = failures.length > 0 ? 'Every model in the chain failed.' : 'No model in the chain has a large enough context window.';
  return { ok: false, error: new ChainFailedError(message, failures, false), records };
}

function deadlineError(failures: readonly FailedAttemptSummary[]): ChainFailedError {
  return new ChainFailedError('The request ran out of time before any model answered.', failures, true);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
