/**
 * Base: what every part of the core imports: the error contract, logging and
 * clock types, request headers, UTC days, field paths and zod's English
 * messages.
 *
 * The error contract.
 *
 * Every failure that crosses a module boundary is one of the classes below.
 * Their `name`s are string literals because minifiers rename classes, and
 * because the same names appear in the Step Functions Retry/Catch lists:
 * import the constants, never retype them.
 *
 * What a failure means for routing is decided in exactly one function,
 * {@link fallbackAction}; how it is shown to a caller is decided in exactly one
 * function, `toHttpError` in `surfaces/shared/http-error.ts`.
 */
import type { TokenUsage } from '../model/usage';

/** Why an attempt at a provider failed, as far as routing cares. */
export const PROVIDER_FAILURE_KINDS = [
  'throttled',
  'unavailable',
  'timeout',
  'generation_timeout',
  'connection',
  'malformed_response',
  'context_length',
  'content_filter',
  'provider_auth',
  'model_unavailable',
  'rejected',
] as const;
export type ProviderFailureKind = (typeof PROVIDER_FAILURE_KINDS)[number];

/** Error names by failure kind: the strings Step Functions matches on. */
export const PROVIDER_ERROR_NAMES = {
  throttled: 'Switchyard.ProviderThrottled',
  unavailable: 'Switchyard.ProviderUnavailable',
  timeout: 'Switchyard.ProviderTimeout',
  generation_timeout: 'Switchyard.ProviderGenerationTimeout',
  connection: 'Switchyard.ProviderConnection',
  malformed_response: 'Switchyard.ProviderMalformedResponse',
  context_length: 'Switchyard.ContextLengthExceeded',
  content_filter: 'Switchyard.ContentFiltered',
  provider_auth: 'Switchyard.ProviderAuth',
  model_unavailable: 'Switchyard.ModelUnavailable',
  rejected: 'Switchyard.ProviderRejected',
} as const satisfies Record<ProviderFailureKind, `Switchyard.${string}`>;
export type ProviderErrorName = (typeof PROVIDER_ERROR_NAMES)[ProviderFailureKind];

export interface ProviderErrorDetails {
  /** Provider id from the policy, e.g. `bedrock`, `openai`. */
  readonly provider: string;
  /** Model id from the policy, e.g. `bedrock/amazon.nova-lite-v1:0`. */
  readonly model: string;
  /** HTTP status the provider answered with, when there was an answer. */
  readonly status?: number;
  /** How long the provider asked us to wait, from `retry-after` or similar. */
  readonly retryAfterMs?: number;
  /** Tokens the failed attempt consumed, so the ledger can charge them. */
  readonly usage?: TokenUsage;
  /** The usage is the router's count, not the provider's. @default false */
  readonly usageEstimated?: boolean;
  readonly cause?: unknown;
}

/**
 * A provider call failed. `kind` says why; the message is for operators and
 * never contains prompt text or credentials.
 */
export class ProviderError extends Error {
  override readonly name: ProviderErrorName;
  readonly kind: ProviderFailureKind;
  readonly provider: string;
  readonly model: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly usage: TokenUsage | undefined;
  readonly usageEstimated: boolean;

  constructor(kind: ProviderFailureKind, message: string, details: ProviderErrorDetails) {
    super(message, { cause: details.cause });
    this.name = PROVIDER_ERROR_NAMES[kind];
    this.kind = kind;
    this.provider = details.provider;
    this.model = details.model;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.usage = details.usage;
    this.usageEstimated = details.usageEstimated ?? false;
  }
}

/** The caller's request cannot be served as sent. Never retried, never falls back. */
export type CallerErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unsupported_parameter'
  | 'model_not_found'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_too_large'
  | 'context_length_exceeded'
  | 'headers_too_large'
  | 'expectation_failed'
  | 'request_timeout'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'model_not_allowed'
  | 'tier_not_allowed'
  | 'admin_only';

const CALLER_ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  unsupported_parameter: 400,
  model_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
  context_length_exceeded: 400,
  headers_too_large: 431,
  expectation_failed: 417,
  request_timeout: 408,
  missing_api_key: 401,
  invalid_api_key: 401,
  model_not_allowed: 403,
  tier_not_allowed: 403,
  admin_only: 403,
} as const satisfies Record<CallerErrorCode, number>;

/**
 * A 4xx: the message must say what was wrong and how to fix it, because it is
 * shown to the caller verbatim. `param` names the offending field, OpenAI-style
 * (`messages[2].role`).
 */
export class CallerError extends Error {
  override readonly name = 'Switchyard.CallerError' as const;
  readonly status: number;

  constructor(
    readonly code: CallerErrorCode,
    message: string,
    readonly param: string | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.status = CALLER_ERROR_STATUS[code];
  }
}

/** One failed attempt, as reported to the caller when a whole chain fails. */
export interface FailedAttemptSummary {
  readonly model: string;
  readonly error: ProviderFailureKind | 'deadline';
  readonly latencyMs: number;
}

/** Every candidate of the chain failed (502), or the deadline ran out first (504). */
export class ChainFailedError extends Error {
  override readonly name = 'Switchyard.ChainFailed' as const;

  constructor(
    message: string,
    readonly attempts: readonly FailedAttemptSummary[],
    readonly deadlineExceeded: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An attempt that ended the way attempts may end: a provider's failure, a skip, or a budget's refusal; anything else is a bug. */
export function isAttemptFailure(error: unknown): error is ProviderError | RoutingError | BudgetExceededError {
  return error instanceof ProviderError || error instanceof RoutingError || error instanceof BudgetExceededError;
}

/** The answer failed its verification pass and the policy says to refuse it (`onFail: "error"`). */
export class VerificationFailedError extends Error {
  override readonly name = 'Switchyard.VerificationFailed' as const;

  constructor(
    readonly model: string,
    readonly score: number,
    readonly passScore: number,
  ) {
    super(`The answer from ${model} failed verification: the verifier scored it ${score}, below the pass score ${passScore}.`);
  }
}

/**
 * Why a `block` budget refused an attempt, by the name Step Functions matches on:
 * - `noRoom`: the day's cap is reached; the chain ends (a 429 naming the budget and its reset);
 * - `worstCaseTooLarge`: there is room, but not for this attempt's worst case;
 *   a cheaper candidate further down the chain may fit, so the walk moves on.
 */
export const BUDGET_ERROR_NAMES = {
  noRoom: 'Switchyard.BudgetExceeded',
  worstCaseTooLarge: 'Switchyard.BudgetWorstCaseTooLarge',
} as const;

/** A `block` budget refused the attempt: a caller error (429) that says what to do. */
export class BudgetExceededError extends Error {
  override readonly name: (typeof BUDGET_ERROR_NAMES)[keyof typeof BUDGET_ERROR_NAMES];

  constructor(kind: keyof typeof BUDGET_ERROR_NAMES, message: string) {
    super(message);
    this.name = BUDGET_ERROR_NAMES[kind];
  }

  static noRoom(budgetId: string, resetsAt: Date): BudgetExceededError {
    return new BudgetExceededError(
      'noRoom',
      `The daily budget "${budgetId}" has no room left for this request; it resets at ${resetsAt.toISOString()}.`,
    );
  }
}

/** The routing policy or runtime configuration is invalid. Raised at start-up only. */
export class ConfigError extends Error {
  override readonly name = 'Switchyard.ConfigError' as const;
}

/**
 * The fallback chain ran out of time (`DeadlineExceeded`), or skipped a
 * candidate without calling it (`CandidateSkipped`: its circuit is open, its
 * context window is too small, or the provider's retry-after would outlast the
 * deadline). Thrown by the attempt task so the state machine can route on them.
 */
export const ROUTING_ERROR_NAMES = {
  deadline: 'Switchyard.DeadlineExceeded',
  skipped: 'Switchyard.CandidateSkipped',
} as const;

/** Failures that end a chain at once, besides a provider rejecting the request. */
export const CHAIN_ENDING_NAMES = [ROUTING_ERROR_NAMES.deadline, BUDGET_ERROR_NAMES.noRoom] as const;

export class RoutingError extends Error {
  override readonly name: (typeof ROUTING_ERROR_NAMES)[keyof typeof ROUTING_ERROR_NAMES];

  constructor(kind: keyof typeof ROUTING_ERROR_NAMES, message: string) {
    super(message);
    this.name = ROUTING_ERROR_NAMES[kind];
  }
}

/**
 * What the router does after a failed attempt:
 * - `retry`: a transient fault; the same candidate may succeed on a retry, then the next one;
 * - `next`: this candidate will not succeed now (or retrying it would pay for the same answer twice); try the next one;
 * - `next-larger-context`: skip to a candidate with a larger context window;
 * - `stop`: the request itself is at fault (or we cannot tell); answer the caller now.
 */
export type FallbackAction = 'retry' | 'next' | 'next-larger-context' | 'stop';

/** The single decision table. The state machine's Retry and Catch lists are built from it too. */
export const FALLBACK_BY_KIND = {
  throttled: 'retry',
  unavailable: 'retry',
  timeout: 'retry',
  // The model was writing and ran out of time: the same prompt would take as long again.
  generation_timeout: 'next',
  connection: 'retry',
  malformed_response: 'retry',
  content_filter: 'next',
  provider_auth: 'next',
  // Not offered in this region, not enabled for this account, or needing an inference profile: another model may be.
  model_unavailable: 'next',
  context_length: 'next-larger-context',
  rejected: 'stop',
} as const satisfies Record<ProviderFailureKind, FallbackAction>;

export function fallbackAction(error: unknown): FallbackAction {
  if (error instanceof ProviderError) return FALLBACK_BY_KIND[error.kind];
  if (error instanceof RoutingError && error.name === ROUTING_ERROR_NAMES.skipped) return 'next';
  if (error instanceof BudgetExceededError && error.name === BUDGET_ERROR_NAMES.worstCaseTooLarge) return 'next';
  return 'stop';
}

/** Error names for which `fallbackAction` answers `action`: what ASL ErrorEquals lists are made of. */
export function errorNamesFor(action: FallbackAction): string[] {
  return PROVIDER_FAILURE_KINDS.filter((kind) => FALLBACK_BY_KIND[kind] === action).map((kind) => PROVIDER_ERROR_NAMES[kind]);
}

/** Failures that say something about the model's health, as opposed to about one request. */
export function countsAgainstCircuit(kind: ProviderFailureKind): boolean {
  return FALLBACK_BY_KIND[kind] === 'retry' || kind === 'provider_auth' || kind === 'model_unavailable';
}
