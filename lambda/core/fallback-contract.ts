/**
 * The fallback contract: what the router hands to whatever walks the rest of
 * a chain (the Step Functions workflow in AWS, the same definition run
 * locally), and what comes back. The attempt task's input and output are
 * part of it, as the state machine passes them between the two.
 */
import type { AttemptRequest } from './attempt';
import type { Completion } from './provider';
import type { Tier } from './policy';

/** Input of one fallback execution. Field names are read by the state machine definition. */
export interface FallbackInput {
  readonly requestId: string;
  readonly callerId: string;
  readonly tier: Tier | null;
  readonly route: string | null;
  readonly request: AttemptRequest;
  /** Model ids of the whole chain, and their context windows. */
  readonly candidates: readonly string[];
  readonly contextWindows: readonly number[];
  readonly candidateCount: number;
  /** Where to start: the failed primary (to retry it) or the next candidate. */
  readonly cursor: { readonly index: number };
  /** Candidates with a context window no larger than this are skipped. */
  readonly contextFloor: { readonly value: number };
  /** Attempts already recorded for the request. */
  readonly attemptOffset: number;
  /** Wait before the first attempt: the backoff after the router's own failed try. */
  readonly initialWaitSeconds: number;
  readonly deadline: number;
}

/** Input of the attempt task, built by the state machine from {@link FallbackInput}. */
export interface AttemptTaskInput {
  readonly requestId: string;
  readonly callerId: string;
  readonly tier: Tier | null;
  readonly route: string | null;
  readonly request: AttemptRequest;
  readonly model: string;
  readonly contextFloor: number;
  readonly attemptOffset: number;
  readonly deadline: number;
}

export interface AttemptTaskOutput {
  readonly model: string;
  readonly completion: Completion;
}

export type FallbackOutcome =
  | { readonly status: 'answered'; readonly model: string; readonly completion: Completion }
  | { readonly status: 'exhausted' }
  /** A failure that ends the chain: the provider rejected the request, or the deadline passed. */
  | { readonly status: 'stopped'; readonly error: string; readonly message: string };

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
      return { status: 'exhausted' };
    default:
      throw new Error(`unexpected fallback output: ${JSON.stringify(output)?.slice(0, 200)}`);
  }
}
