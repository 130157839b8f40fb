/**
 * The fallback contract: what the router hands to whatever walks the rest of
 * a chain (the Step Functions workflow in AWS, the same definition run
 * locally, or the in-process walk), and what comes back. The attempt task's
 * input and output are part of it, as the state machine passes them between
 * the two.
 *
 * {@link planFallback} is the one place that decides how a walk starts after
 * the router's own first try failed; both runners execute its plan.
 */
import type { KeyBudget } from '../features/managed-keys';
import type { Ledger } from '../accounting/ledger';
import type { AttemptContext, AttemptNumbering, AttemptRequest } from './attempt-contract';
import { fallbackAction, ProviderError } from '../base/errors';
import type { ModelSpec } from '../../policy/policy';
import type { FallbackSettings, Tier } from '../../policy/schema';
import type { Completion } from '../model/completion';

/**
 * Attempt numbers are 1-based and unique within a request, and a candidate
 * skipped at its gates takes none. The router's own first try is
 * {@link FIRST_ATTEMPT}: nothing in the request can be numbered before it, so
 * it needs no round trip to the ledger. Every attempt after it (each task of
 * the fallback, in the workflow or in-process) takes `attemptOffset + n` from
 * the ledger's atomic counter (`Ledger.nextAttempt`), n = 1, 2, ..., so
 * retries and concurrent tasks never share a number.
 */
export const FIRST_ATTEMPT = 1;

/** The router's first try: {@link FIRST_ATTEMPT}, if its gates pass. `used()` is the fallback's `attemptOffset`. */
export function firstTryNumbering(): AttemptNumbering {
  return countedNumbering(async () => FIRST_ATTEMPT);
}

/** A fallback task's: the next number from the ledger's counter, after the offset the router left. */
export function taskNumbering(task: Pick<AttemptTaskInput, 'requestId' | 'attemptOffset'>, ledger: Pick<Ledger, 'nextAttempt'>): AttemptNumbering {
  return countedNumbering(() => ledger.nextAttempt(task.requestId, task.attemptOffset));
}

/** Calls made after the answer (its verification, shadow traffic): the ledger's counter above the first try, as a fallback task's. */
export function afterAnswerNumbering(requestId: string, ledger: Pick<Ledger, 'nextAttempt'>): AttemptNumbering {
  return taskNumbering({ requestId, attemptOffset: FIRST_ATTEMPT }, ledger);
}

function countedNumbering(next: () => Promise<number>): AttemptNumbering {
  let used = 0;
  return {
    take: async () => {
      const number = await next();
      used += 1;
      return number;
    },
    used: () => used,
  };
}

/**
 * Step Functions carries at most 256 KiB between states, and the answer is
 * added to the request on the way: a walk whose input plus the largest answer
 * it allows could pass that runs in-process instead.
 */
export const MAX_WORKFLOW_INPUT_BYTES = 240 * 1024;
const ANSWER_BYTES_PER_TOKEN = 8;

/** How the rest of the chain is walked after the router's first try failed. */
export type FallbackPlan =
  | { readonly walk: false; readonly outcome: StoppedOutcome }
  | { readonly walk: true; readonly input: FallbackInput; readonly runner: 'workflow' | 'in-process' };

export interface FirstFailure {
  readonly error: Error;
  /** Attempt numbers the first try used: 1 when it reached the provider, else 0. */
  readonly attemptsUsed: number;
}

/**
 * Plans the walk after the first candidate failed:
 * - where it starts: the failed candidate again for a transient fault
 *   (`retry`), else the next one; nothing to walk when the failure ends the
 *   chain or no candidate is left;
 * - the first wait: the retry interval before retrying the same candidate,
 *   unless the attempt already waited out the provider's retry-after;
 * - the context floor: after a context-length failure, only larger windows;
 * - the attempt offset, and which runner fits the request's size.
 */
export function planFallback(
  first: FirstFailure,
  chain: readonly ModelSpec[],
  request: AttemptRequest,
  context: AttemptContext,
  settings: FallbackSettings,
): FallbackPlan {
  const action = fallbackAction(first.error);
  const start = action === 'retry' ? 0 : 1;
  if (action === 'stop' || start >= chain.length) {
    return { walk: false, outcome: { status: 'stopped', error: first.error.name, message: first.error.message } };
  }
  const waitedAlready = first.error instanceof ProviderError && first.error.kind === 'throttled' && (first.error.retryAfterMs ?? 0) > 0;
  const input: FallbackInput = {
    requestId: context.requestId,
    callerId: context.callerId,
    keyBudget: context.keyBudget ?? null,
    tier: context.tier,
    route: context.route,
    request,
    candidates: chain.map((model) => model.id),
    contextWindows: chain.map((model) => model.contextWindow),
    candidateCount: chain.length,
    cursor: { index: start },
    contextFloor: { value: action === 'next-larger-context' ? chain[0]!.contextWindow : 0 },
    attemptOffset: first.attemptsUsed,
    initialWaitSeconds: action === 'retry' && !waitedAlready ? settings.retry.intervalSeconds : 0,
    deadline: context.deadline,
  };
  // No candidate writes more than its own maximum, whatever the request asked for (Claude Code asks for 128,000).
  const longestAnswer = Math.min(request.maxTokens, Math.max(...chain.map((model) => model.maxOutputTokens)));
  const largestPayload = Buffer.byteLength(JSON.stringify(input)) + ANSWER_BYTES_PER_TOKEN * longestAnswer;
  return { walk: true, input, runner: largestPayload > MAX_WORKFLOW_INPUT_BYTES ? 'in-process' : 'workflow' };
}

/**
 * What every state of the fallback passes on unchanged: who the request is
 * for, what it sends, the attempts numbered before the walk, and its deadline.
 * Field names are read by the state machine definition.
 */
export interface FallbackRequest {
  readonly requestId: string;
  readonly callerId: string;
  /** The managed key's budget, or null (the state machine reads every field, so none is left out). */
  readonly keyBudget: KeyBudget | null;
  readonly tier: Tier | null;
  readonly route: string | null;
  readonly request: AttemptRequest;
  /** Attempts already recorded for the request. */
  readonly attemptOffset: number;
  readonly deadline: number;
}

/** Input of one fallback execution. */
export interface FallbackInput extends FallbackRequest {
  /** Model ids of the whole chain, and their context windows. */
  readonly candidates: readonly string[];
  readonly contextWindows: readonly number[];
  readonly candidateCount: number;
  /** Where to start: the failed primary (to retry it) or the next candidate. */
  readonly cursor: { readonly index: number };
  /** Candidates with a context window no larger than this are skipped. */
  readonly contextFloor: { readonly value: number };
  /** Wait before the first attempt: the backoff after the router's own failed try. */
  readonly initialWaitSeconds: number;
}

/** Input of the attempt task, built by the state machine from {@link FallbackInput}. */
export interface AttemptTaskInput extends FallbackRequest {
  readonly model: string;
  readonly contextFloor: number;
}

export interface AttemptTaskOutput {
  readonly model: string;
  readonly completion: Completion;
}

/** A failure that ends the chain: the provider rejected the request, a budget is spent, or the deadline passed. */
export interface StoppedOutcome {
  readonly status: 'stopped';
  readonly error: string;
  readonly message: string;
}

export type FallbackOutcome =
  | { readonly status: 'answered'; readonly model: string; readonly completion: Completion }
  /** Every candidate failed or was skipped; the last failure's name and message. */
  | { readonly status: 'exhausted'; readonly error: string; readonly message: string }
  | StoppedOutcome;

export interface FallbackRunner {
  run(input: FallbackInput, signal: AbortSignal): Promise<FallbackOutcome>;
}

/**
 * The message of a failure as the state machine reports it: Lambda wraps it
 * as `{"errorType","errorMessage","trace"}` in the Cause.
 */
export function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** Reads the state machine's output, whichever engine ran it. */
export function toFallbackOutcome(output: unknown): FallbackOutcome {
  const value = output as { status?: unknown; model?: unknown; completion?: unknown; error?: unknown; cause?: unknown };
  switch (value?.status) {
    case 'answered':
      return { status: 'answered', model: String(value.model), completion: value.completion as Completion };
    case 'stopped':
      return { status: 'stopped', error: String(value.error), message: causeMessage(value.cause) };
    case 'exhausted':
      return { status: 'exhausted', error: String(value.error), message: causeMessage(value.cause) };
    default:
      throw new Error(`unexpected fallback output: ${JSON.stringify(output)?.slice(0, 200)}`);
  }
}
