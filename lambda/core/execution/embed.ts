/**
 * An embeddings request's one attempt: there is no tier and no fallback, since
 * another model's vectors would not match the caller's; the attempt is gated,
 * priced and recorded like any other.
 */
import { openAttempt, type AttemptContext, type AttemptDependencies } from './attempt';
import { chainError } from './chat-flow';
import { CallerError, isAttemptFailure } from '../base/errors';
import { firstTryNumbering } from './fallback-contract';
import type { AttemptRecord } from '../accounting/ledger';
import type { ModelSpec } from '../../policy/policy';
import type { Embeddings } from '../model/provider';
import type { EmbeddingsRequest } from '../surfaces/embeddings/parse-request';

export type EmbeddingsResult =
  | { readonly ok: true; readonly embeddings: Embeddings; readonly record: AttemptRecord }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

/** One attempt at the model: gated on its circuit, the deadline and the budgets, recorded whatever happens. */
export async function embedTexts(
  request: EmbeddingsRequest,
  model: ModelSpec,
  context: AttemptContext,
  dependencies: AttemptDependencies,
): Promise<EmbeddingsResult> {
  const provider = dependencies.providers.get(model.provider);
  if (!provider.embed) {
    throw new CallerError('invalid_request', `"${model.id}" is on a provider that serves no embeddings here.`, 'model');
  }
  const number = firstTryNumbering();
  const messages = request.inputs.map((content) => ({ role: 'user' as const, content }));
  try {
    const attempt = await openAttempt(model, { messages, maxTokens: 1 }, context, number.take, dependencies);
    let embeddings: Embeddings;
    try {
      embeddings = await provider.embed({ model, inputs: request.inputs, dimensions: request.dimensions, signal: AbortSignal.timeout(attempt.timeoutMs) });
    } catch (error) {
      return await attempt.failed(error);
    }
    return { ok: true, embeddings, record: await attempt.succeeded(embeddings.usage, embeddings.simulated) };
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    // A chain of one: the same answers as a chat chain that ended this way (400, 429, 502, 504).
    const records = number.used() > 0 ? await dependencies.ledger.recordsFor(context.requestId) : [];
    return { ok: false, error: chainError({ status: 'exhausted', error: error.name, message: error.message }, records), records };
  }
}
