/**
 * An embeddings request's one attempt: there is no tier and no fallback, since
 * another model's vectors would not match the caller's. The attempt is gated,
 * priced and recorded like any other, and a failure answers as a chat chain
 * that ended the same way would: it runs on the one chain runner, as a chain of one.
 */
import type { AttemptRecord } from '../accounting/ledger';
import { CallerError } from '../base/errors';
import type { Embeddings, ProviderAdapter } from '../model/provider';
import type { EmbeddingsRequest } from '../model/embeddings-request';
import type { ModelSpec } from '../../policy/policy';
import { openAttempt } from './attempt';
import type { AttemptContext, AttemptDependencies } from './attempt-contract';
import { runChain, type ChainTrial } from './chain-runner';

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
  const embedder = provider as Required<Pick<ProviderAdapter, 'embed'>>;
  const oneAttempt: ChainTrial<{ embeddings: Embeddings; record: AttemptRecord }> = {
    async tryCandidate(candidate, attemptRequest, attemptContext, attemptNumber) {
      const attempt = await openAttempt(candidate, attemptRequest, attemptContext, attemptNumber, dependencies);
      let embeddings: Embeddings;
      try {
        embeddings = await embedder.embed({ model: candidate, inputs: request.inputs, dimensions: request.dimensions, signal: AbortSignal.timeout(attempt.timeoutMs) });
      } catch (error) {
        return attempt.failed(error);
      }
      return { embeddings, record: await attempt.succeeded(embeddings.usage, embeddings.simulated) };
    },
    knownRecords: (answer) => [answer.record],
  };
  // What the gates price: the texts as the prompt, and no output beyond a token.
  const gated = { messages: request.inputs.map((content) => ({ role: 'user' as const, content })), maxTokens: 1 };
  const run = await runChain([model], gated, context, oneAttempt, dependencies);
  return run.ok ? { ok: true, embeddings: run.answer.embeddings, record: run.answer.record } : run;
}
