/**
 * Serving one chat request along its chain: the first candidate in-process
 * (the fast path, one Lambda invocation), then, on a failure that allows it,
 * the fallback runner from the failed candidate (to retry it) or the next one.
 */
import { attemptCandidate, type AttemptContext, type AttemptDependencies, type AttemptRequest } from './attempt';
import type { ChatRequest } from './chat-request';
import {
  BudgetExceededError,
  ChainFailedError,
  fallbackAction,
  PROVIDER_ERROR_NAMES,
  ProviderError,
  RoutingError,
  ROUTING_ERROR_NAMES,
  type FailedAttemptSummary,
} from './errors';
import type { FallbackInput, FallbackOutcome, FallbackRunner } from './fallback-contract';
import type { AttemptRecord } from './ledger';
import type { ModelSpec } from './policy';
import type { Completion } from './provider';
import type { RoutingDecision } from './routing';

/**
 * Step Functions carries at most 256 KiB between states, and the answer is
 * added to the request on the way: requests whose input plus the largest
 * answer they allow could pass that fall back in-process.
 */
export const MAX_WORKFLOW_INPUT_BYTES = 240 * 1024;
const ANSWER_BYTES_PER_TOKEN = 8;

export interface ChatFlowDependencies extends AttemptDependencies {
  /** Walks the rest of the chain: the Step Functions workflow, or its local run. */
  readonly fallback: FallbackRunner;
  /** Used when the request is too large for the workflow. */
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
  const { clock, ledger, log, policy } = dependencies;
  const request: AttemptRequest = {
    messages: chat.messages,
    maxTokens: decision.maxTokens,
    temperature: chat.temperature,
    topP: chat.topP,
    stop: chat.stop,
  };
  const primary = decision.chain[0]!;
  let numbered = false;
  let firstError: unknown;
  try {
    const first = await attemptCandidate(primary, request, context, async () => ((numbered = true), 1), dependencies);
    return { ok: true, model: primary, completion: first.completion, records: [first.record] };
  } catch (error) {
    // Refused before any call: nothing was recorded.
    if (error instanceof BudgetExceededError) return { ok: false, error, records: [] };
    if (!(error instanceof ProviderError || error instanceof RoutingError)) throw error;
    firstError = error;
  }

  const action = fallbackAction(firstError);
  const start = action === 'retry' ? 0 : 1;
  let outcome: FallbackOutcome;
  if (action === 'stop' || start >= decision.chain.length) {
    outcome = { status: 'stopped', error: (firstError as Error).name, message: (firstError as Error).message };
  } else {
    const retriedAfterWait = firstError instanceof ProviderError && firstError.kind === 'throttled' && (firstError.retryAfterMs ?? 0) > 0;
    const input: FallbackInput = {
      requestId: context.requestId,
      callerId: context.callerId,
      tier: context.tier,
      route: context.route,
      request,
      candidates: decision.chain.map((model) => model.id),
      contextWindows: decision.chain.map((model) => model.contextWindow),
      candidateCount: decision.chain.length,
      cursor: { index: start },
      contextFloor: { value: action === 'next-larger-context' ? primary.contextWindow : 0 },
      attemptOffset: numbered ? 1 : 0,
      initialWaitSeconds: action === 'retry' && !retriedAfterWait ? policy.fallback.retry.intervalSeconds : 0,
      deadline: context.deadline,
    };
    const largestPayload = Buffer.byteLength(JSON.stringify(input)) + ANSWER_BYTES_PER_TOKEN * decision.maxTokens;
    const inProcess = largestPayload > MAX_WORKFLOW_INPUT_BYTES;
    const remaining = () => AbortSignal.timeout(Math.max(1, context.deadline - clock.now()));
    try {
      outcome = await (inProcess ? dependencies.inProcessFallback : dependencies.fallback).run(input, remaining());
    } catch (error) {
      log.error('fallback workflow failed', { requestId: context.requestId, error: error instanceof Error ? error.message : String(error) });
      // The workflow could not run (throttled, unavailable): walk the chain here rather than give up.
      outcome =
        clock.now() < context.deadline && !inProcess
          ? await dependencies.inProcessFallback.run(input, remaining())
          : { status: 'stopped', error: ROUTING_ERROR_NAMES.deadline, message: 'the fallback ran out of time' };
    }
  }

  const records = await ledger.recordsFor(context.requestId);
  if (outcome.status === 'answered') {
    return { ok: true, model: policy.models.get(outcome.model)!, completion: outcome.completion, records };
  }
  return { ok: false, error: chainError(outcome, records), records };
}

function chainError(outcome: Exclude<FallbackOutcome, { status: 'answered' }>, records: readonly AttemptRecord[]): Error {
  const attempts: FailedAttemptSummary[] = records.flatMap((record) =>
    record.outcome === 'success'
      ? []
      : [{ model: record.model, error: record.outcome === 'aborted' ? 'unavailable' : record.outcome, latencyMs: record.latencyMs }],
  );
  if (outcome.status === 'stopped' && outcome.error === PROVIDER_ERROR_NAMES.rejected) {
    const last = records.at(-1);
    return new ProviderError('rejected', outcome.message, { provider: last?.provider ?? 'unknown', model: last?.model ?? 'unknown' });
  }
  if (outcome.status === 'stopped' && outcome.error === 'Switchyard.BudgetExceeded') return new BudgetExceededError(outcome.message);
  if (outcome.status === 'stopped' && outcome.error === ROUTING_ERROR_NAMES.deadline) {
    return new ChainFailedError('The request ran out of time before any model answered.', attempts, true);
  }
  const message = attempts.length > 0 ? 'Every model in the chain failed.' : 'No model in the chain could be tried: every circuit is open.';
  return new ChainFailedError(message, attempts, false);
}
