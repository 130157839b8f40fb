/** Errors in OpenAI's envelope, `{"error": {"message", "type", "param", "code"}}`, which every OpenAI client reads. */
import type { HttpError, OpenAiErrorBody } from '../shared/http-error';

/** The mapping to HTTP (`toHttpError`) already writes OpenAI's envelope: this surface sends it as it is. */
export function openAiErrorBody(http: HttpError): OpenAiErrorBody {
  return http.body;
}
