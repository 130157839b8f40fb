/** Errors in Anthropic's envelope, `{"type": "error", "error": {"type", "message"}}`, which Claude Code and the Anthropic SDKs read. */
import type { HttpError } from '../shared/http-error';

/** Anthropic's error types by HTTP status. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** The body of an error in Anthropic's envelope: the same status and message as the OpenAI one. */
export function anthropicErrorBody(http: HttpError) {
  const type = ERROR_TYPES[http.status] ?? (http.status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: http.body.error.message } };
}
