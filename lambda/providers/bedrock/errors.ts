/** Bedrock's failures, from the SDK's modelled exceptions, sorted into failure kinds. */
import type { ProviderError, ProviderFailureKind } from '../../core/base/errors';
import type { Fail } from '../call-failure';
import { connectionFailure, failureKindOfStatus } from '../failure-kinds';

/**
 * What Bedrock says when a model is not enabled for the account (model access, or its
 * marketplace subscription), not offered in the region, or offered only through an
 * inference profile: another candidate may still answer, so these move the chain on.
 */
const MODEL_UNAVAILABLE =
  /don't have access to the model|not authorized to access (this|the) model|model access|aws-marketplace|on-demand throughput isn.t supported|inference profile|not available in this region|model identifier is invalid/i;
const MODEL_ACCESS_ADVICE =
  '(Enable the model under Model access in the Bedrock console for this account and region, or use an inference profile the region offers.)';

const CREDENTIALS_ADVICE =
  'Set AWS_REGION and AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); with npm start, leave SWITCHYARD_SIMULATE unset to simulate Bedrock instead.';

const CONTEXT_LENGTH = /too long|context (limit|window)|too many total text bytes|maximum context/i;

const ERRORS_BY_NAME: Readonly<Record<string, ProviderFailureKind>> = {
  ThrottlingException: 'throttled',
  ModelNotReadyException: 'throttled',
  ServiceQuotaExceededException: 'throttled',
  ModelTimeoutException: 'timeout',
  InternalServerException: 'unavailable',
  ServiceUnavailableException: 'unavailable',
  ModelErrorException: 'unavailable',
  ModelStreamErrorException: 'unavailable',
  AccessDeniedException: 'provider_auth',
  ResourceNotFoundException: 'model_unavailable',
  UnrecognizedClientException: 'provider_auth',
  ExpiredTokenException: 'provider_auth',
  InvalidSignatureException: 'provider_auth',
};

/**
 * An SDK failure, from an HTTP error answer or an exception event inside a
 * stream. The SDK throws an exception event as the same modelled exception
 * but with no status of its own: the answer it broke was a 200.
 */
export function classifySdkError(error: unknown, signal: AbortSignal, fail: Fail): ProviderError {
  const details = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const inStream = details.$fault !== undefined && details.$metadata?.httpStatusCode === undefined;
  const status = inStream ? 200 : details.$metadata?.httpStatusCode;
  if (details.name === 'CredentialsProviderError' || (details.name === 'Error' && details.message === 'Region is missing')) {
    // No credentials or Region is this deployment's fault, and no retry or other Bedrock model will find any.
    return fail('provider_auth', `no AWS credentials or Region to call Bedrock with (${details.message ?? ''}). ${CREDENTIALS_ADVICE}`, { cause: error });
  }
  if (status === undefined || details.name === 'AbortError') {
    if (error instanceof SyntaxError) return fail('malformed_response', 'response body is not JSON', { cause: error });
    return fail(...connectionFailure(error, signal), { cause: error });
  }
  const name = details.name ?? 'UnknownError';
  const message = `${name} (${inStream ? 'exception event in the stream' : `HTTP ${status}`}): ${details.message ?? ''}`.trim();
  if (MODEL_UNAVAILABLE.test(details.message ?? '') && (name === 'AccessDeniedException' || name === 'ValidationException')) {
    return fail('model_unavailable', `${message} ${MODEL_ACCESS_ADVICE}`, { status, cause: error });
  }
  const known = ERRORS_BY_NAME[name];
  if (known) return fail(known, message, { status, cause: error });
  if (name === 'ValidationException') {
    return fail(CONTEXT_LENGTH.test(details.message ?? '') ? 'context_length' : 'rejected', message, { status, cause: error });
  }
  if (status === 200) return fail('malformed_response', message, { status, cause: error });
  const kind = details.$fault === 'server' && status < 500 ? 'unavailable' : failureKindOfStatus(status);
  return fail(kind, message, { status, cause: error });
}
