/**
 * Surfaces: each API the gateway speaks (OpenAI chat, Anthropic Messages,
 * OpenAI Responses, embeddings) has a folder of its own with the same file
 * names: parse the request, encode the answer, encode the stream, map usage,
 * map finish reasons, the error envelope, and the surface object that ties
 * them. This folder, shared/, holds what every surface does the same way:
 * reading a body, naming a bad field, the checks every surface applies
 * (tool names, images, limits), the error-to-HTTP mapping and the surface
 * contract.
 *
 * This file: the only place where an error becomes an HTTP status and
 * message (in OpenAI's envelope, which each surface's error-envelope.ts
 * rewrites into its own). Caller errors say what to fix; server errors say
 * nothing internal and give the request id.
 */
import { BudgetExceededError, CallerError, ChainFailedError, ProviderError, VerificationFailedError, type FailedAttemptSummary } from '../../base/errors';

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
    /** Switchyard's addition on 502/504: what each attempt ran into. */
    readonly attempts?: readonly FailedAttemptSummary[];
  };
}

export interface HttpError {
  readonly status: number;
  readonly body: OpenAiErrorBody;
}

export function toHttpError(error: unknown, requestId: string): HttpError {
  if (error instanceof CallerError) {
    const type = error.status === 401 ? 'authentication_error' : error.status === 403 ? 'permission_error' : 'invalid_request_error';
    return envelope(error.status, error.message, type, error.param, error.code);
  }
  if (error instanceof BudgetExceededError) {
    return envelope(429, error.message, 'insufficient_quota', null, 'budget_exceeded');
  }
  if (error instanceof ProviderError && error.kind === 'rejected') {
    return envelope(
      400,
      `${error.model} rejected the request (HTTP ${error.status ?? 400}): ${error.message}`,
      'invalid_request_error',
      null,
      'provider_rejected',
    );
  }
  if (error instanceof ChainFailedError) {
    const status = error.deadlineExceeded ? 504 : 502;
    const code = error.deadlineExceeded ? 'deadline_exceeded' : 'all_candidates_failed';
    const tried = error.attempts.map((attempt) => `${attempt.model}: ${attempt.error}`).join('; ');
    const unavailable = error.attempts.some((attempt) => attempt.error === 'model_unavailable');
    const advice = unavailable ? ` ${MODEL_UNAVAILABLE_ADVICE}` : '';
    const message = `${error.message} Attempts: ${tried || 'none'}.${advice} Request id: ${requestId}.`;
    return { status, body: { error: { message, type: 'upstream_error', param: null, code, attempts: error.attempts } } };
  }
  if (error instanceof VerificationFailedError) {
    return envelope(502, `${error.message} The answer is withheld, as this route's policy asks. Request id: ${requestId}.`, 'upstream_error', null, 'verification_failed');
  }
  return envelope(
    500,
    `Switchyard hit an internal error. Quote request id ${requestId} when reporting it.`,
    'api_error',
    null,
    'internal_error',
  );
}

/** What an operator does when a model is not available to the account or region: the 502 says it. */
const MODEL_UNAVAILABLE_ADVICE =
  'A model_unavailable model is not enabled for this account or not offered in this region: enable it under Model access in the Bedrock console, or use an inference profile the region offers.';

function envelope(status: number, message: string, type: string, param: string | null, code: string | null): HttpError {
  return { status, body: { error: { message, type, param, code } } };
}
