/**
 * One chain runner for everything the router answers along a chain of
 * candidates: the first candidate tried in this process (the fast path, one
 * Lambda invocation); on a failure that allows it, the walk that
 * {@link planFallback} plans; then the answer, or the failure as
 * {@link chainError} names it, with every attempt the ledger holds for the
 * request. A whole chat answer ({@link completeChat}), a streamed one
 * (`startChatStream` in `chat-stream.ts`) and embeddings (`embedTexts`, a
 * chain of one) differ only in their {@link ChainTrial}: how a candidate is
 * tried, and how the rest of the chain is walked.
 */
import type { AttemptRecord } from '../accounting/ledger';
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
import type { ChatRequest } from '../model/chat-request';
import type { Completion } from '../model/completion';
import type { RoutingDecision } from '../routing/decide-route';
import type { ModelSpec } from '../../policy/policy';
import { attemptCandidate } from './attempt';
import type { AttemptContext, AttemptDependencies, AttemptNumbering, AttemptRequest } from './attempt-contract';
import { FIRST_ATTEMPT, firstTryNumbering, planFallback, type FallbackOutcome, type FallbackPlan, type FallbackRunner } from './fallback-contract';
import type { WalkOutcome } from './in-process-fallback';

/**
 * The fallback runner may take this long past the deadline to report: its
 * attempts stop at the deadline by themselves and record what they used, and
 * the ledger is read after it returns, so the answer lists every attempt.
 */
const FALLBACK_REPORT_GRACE_MS = 750;

/** A plan that walks the rest of the chain. */
export type WalkPlan = Extract<FallbackPlan, { walk: true }>;

/** How one kind of answer is tried along a chain: all that differs between a whole answer, a stream and embeddings. */
export interface ChainTrial<Answer> {
  /**
   * Tries one candidate in this process; `attemptNumber` is taken once the attempt's gates pass.
   * @throws the attempt's failure, already recorded: ProviderError, RoutingError or BudgetExceededError
   */
  tryCandidate(model: ModelSpec, request: AttemptRequest, context: AttemptContext, attemptNumber: AttemptNumbering['take']): Promise<Answer>;
  /**
   * Walks the rest of the chain as planned. @default none: the first failure
   * ends the chain (embeddings: another model's vectors would not match the caller's)
   */
  readonly walkRest?: ((plan: WalkPlan, context: AttemptContext) => Promise<WalkOutcome<Answer>>) | undefined;
  /**
   * The request's records as the answer alone tells them, so the ledger need
   * not be read: only an answer from the request's first numbered attempt
   * can, as nothing is recorded before it. `undefined`: read the ledger.
   */
  knownRecords(answer: Answer): readonly AttemptRecord[] | undefined;
}

export type ChainRun<Answer> =
  | { readonly ok: true; readonly answer: Answer; readonly records: readonly AttemptRecord[] }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

/** Tries the chain's first candidate, then walks the rest as planned; resolves to the answer or the chain's error, with the request's records. */
export async function runChain<Answer>(
  chain: readonly ModelSpec[],
  request: AttemptRequest,
  context: AttemptContext,
  trial: ChainTrial<Answer>,
  dependencies: Pick<AttemptDependencies, 'ledger' | 'policy'>,
): Promise<ChainRun<Answer>> {
  const numbering = firstTryNumbering();
  let outcome: WalkOutcome<Answer>;
  let walked = false;
  try {
    outcome = { status: 'answered', answer: await trial.tryCandidate(chain[0]!, request, context, numbering.take) };
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    const { walkRest } = trial;
    if (!walkRest) {
      // A chain of one: it ends as a chat chain would whose every candidate failed.
      outcome = { status: 'exhausted', error: error.name, message: error.message };
    } else {
      const plan = planFallback({ error, attemptsUsed: numbering.used() }, chain, request, context, dependencies.policy.fallback);
      walked = plan.walk;
      outcome = plan.walk ? await walkRest(plan, context) : plan.outcome;
    }
  }
  const known = outcome.status === 'answered' ? trial.knownRecords(outcome.answer) : undefined;
  // Only a numbered attempt leaves a record: a chain that numbered none and walked nowhere has none to read.
  const records = known ?? (walked || numbering.used() > 0 ? await dependencies.ledger.recordsFor(context.requestId) : []);
  if (outcome.status === 'answered') return { ok: true, answer: outcome.answer, records };
  return { ok: false, error: chainError(outcome, records), records };
}

/** The signal a walk runs under: the deadline, and the grace the runner has to report. */
export function walkSignal(deadline: number, clock: { now(): number }): AbortSignal {
  return AbortSignal.timeout(Math.max(1, deadline + FALLBACK_REPORT_GRACE_MS - clock.now()));
}

export interface ChatFlowDependencies extends AttemptDependencies {
  /** Walks the rest of the chain: the Step Functions workflow, or its local run. */
  readonly fallback: FallbackRunner;
  /** Walks it in this process: for requests too large for the workflow, and when the workflow cannot run. */
  readonly inProcessFallback: FallbackRunner;
}

export type ChatResult =
  | { readonly ok: true; readonly model: ModelSpec; readonly completion: Completion; readonly records: readonly AttemptRecord[] }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

/** A whole chat answer along the chain; the walk runs on the runner the plan chooses. */
export async function completeChat(
  chat: ChatRequest,
  decision: RoutingDecision,
  context: AttemptContext,
  dependencies: ChatFlowDependencies,
): Promise<ChatResult> {
  const run = await runChain(decision.chain, attemptRequestOf(chat, decision), context, wholeAnswers(dependencies), dependencies);
  return run.ok ? { ok: true, model: run.answer.model, completion: run.answer.completion, records: run.records } : run;
}

/** A whole answer; with its record when it came from the router's own try (the walk's records are in the ledger). */
interface WholeAnswer {
  readonly model: ModelSpec;
  readonly completion: Completion;
  readonly record?: AttemptRecord | undefined;
}

function wholeAnswers(dependencies: ChatFlowDependencies): ChainTrial<WholeAnswer> {
  return {
    async tryCandidate(model, request, context, attemptNumber) {
      const { completion, record } = await attemptCandidate(model, request, context, attemptNumber, dependencies);
      return { model, completion, record };
    },
    async walkRest(plan, context) {
      const outcome = await walk(plan, context, dependencies);
      if (outcome.status !== 'answered') return outcome;
      return { status: 'answered', answer: { model: dependencies.policy.models.get(outcome.model)!, completion: outcome.completion } };
    },
    knownRecords: (answer) => (answer.record?.attempt === FIRST_ATTEMPT ? [answer.record] : undefined),
  };
}

/** Runs the plan; when the workflow itself cannot run (throttled, unavailable), walks the chain here instead. */
async function walk(plan: WalkPlan, context: AttemptContext, dependencies: ChatFlowDependencies): Promise<FallbackOutcome> {
  const { clock, log } = dependencies;
  const inProcess = plan.runner === 'in-process';
  try {
    return await (inProcess ? dependencies.inProcessFallback : dependencies.fallback).run(plan.input, walkSignal(context.deadline, clock));
  } catch (error) {
    log.error('fallback workflow failed', { requestId: context.requestId, error });
    if (inProcess || clock.now() >= context.deadline) {
      return { status: 'stopped', error: ROUTING_ERROR_NAMES.deadline, message: 'the fallback ran out of time' };
    }
    return dependencies.inProcessFallback.run(plan.input, walkSignal(context.deadline, clock));
  }
}

/** The request as every attempt sends it, streamed or not. */
export function attemptRequestOf(chat: ChatRequest, decision: RoutingDecision): AttemptRequest {
  return {
    messages: chat.messages,
    maxTokens: decision.maxTokens,
    ...(chat.maxTokens !== undefined ? { maxTokensAsked: true } : {}),
    temperature: chat.temperature,
    topP: chat.topP,
    stop: chat.stop,
    // A caller's cache key says its prompt prefix repeats: where the model caches, the prefix is marked.
    cachePrompt: decision.cachePrompt || chat.promptCacheKey !== undefined,
    ...(chat.promptCacheKey !== undefined ? { promptCacheKey: chat.promptCacheKey } : {}),
    ...(chat.anthropicBody !== undefined ? { anthropicBody: chat.anthropicBody } : {}),
    responseFormat: chat.responseFormat,
    ...(chat.tools.length > 0 ? { tools: chat.tools, toolChoice: chat.toolChoice, parallelToolCalls: chat.parallelToolCalls } : {}),
    ...(chat.betas?.length ? { betas: chat.betas } : {}),
    ...(chat.reasoning ? { reasoning: chat.reasoning } : {}),
  };
}

/** The error a chain that gave no answer ends with, named for the caller from how it ended and what its attempts recorded. */
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
  // Credentials are the operator's to fix, and no caller's retry will: say so.
  const credentials = attempts.some((attempt) => attempt.error === 'provider_auth')
    ? ' A provider refused the gateway\'s credentials or it had none (provider_auth): check the provider\'s key, for Bedrock the AWS credentials and Region.'
    : '';
  return new ChainFailedError(`${message}${credentials}`, attempts, false);
}
