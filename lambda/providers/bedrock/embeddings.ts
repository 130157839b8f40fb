/** Embeddings on Bedrock, through InvokeModel: Titan Text Embeddings v2 and Cohere Embed. */
import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { EmbeddingCall, Embeddings } from '../../core/model/provider';
import type { Fail } from '../call-failure';
import { embeddingsOf, isVector } from '../embedding-vectors';
import { classifySdkError } from './errors';

const TITAN_EMBEDDINGS = /^amazon\.titan-embed-text-v2/;
const COHERE_EMBEDDINGS = /(?:^|\.)cohere\.embed-/;
/** Cohere Embed's limit on texts per call. */
const COHERE_TEXTS_PER_CALL = 96;

/** Calls' vectors in order, and their tokens summed. */
function embeddingsOfCalls(results: readonly { readonly vectors: readonly number[][]; readonly tokens: number }[]): Embeddings {
  return embeddingsOf(
    results.flatMap((result) => result.vectors),
    results.reduce((sum, result) => sum + result.tokens, 0),
  );
}

/** Titan embeds one text a call: this many calls at once per request. */
const EMBEDDING_CONCURRENCY = 8;

/** `work` over every item, at most `limit` at a time, results in order; the first failure rejects. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Embeddings through InvokeModel: Titan Text Embeddings v2 one text a call
 * (a few at a time), each with its own token count; Cohere Embed up to 96
 * texts a call, counted by the input-token header Bedrock adds.
 */
export async function embedWithBedrock(client: BedrockRuntimeClient, call: EmbeddingCall, fail: Fail): Promise<Embeddings> {
  const modelId = call.model.providerModelId;
  /** One InvokeModel call: its JSON answer, and the input tokens Bedrock counted in its header. */
  const invoke = async (body: unknown): Promise<{ answer: Record<string, unknown> | undefined; headerTokens: number | undefined }> => {
    const command = new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) });
    let headerTokens: number | undefined;
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const header = (result.response as { headers?: Record<string, string> }).headers?.['x-amzn-bedrock-input-token-count'];
        if (header !== undefined && /^\d+$/.test(header)) headerTokens = Number(header);
        return result;
      },
      { step: 'deserialize', name: 'switchyardInputTokenCount' },
    );
    let output;
    try {
      output = await client.send(command, { abortSignal: call.signal });
    } catch (error) {
      throw classifySdkError(error, call.signal, fail);
    }
    try {
      return { answer: JSON.parse(new TextDecoder().decode(output.body)) as Record<string, unknown>, headerTokens };
    } catch {
      return { answer: undefined, headerTokens };
    }
  };
  const malformed = (what: string) => fail('malformed_response', `response has no ${what}`, { status: 200 });

  if (TITAN_EMBEDDINGS.test(modelId)) {
    const results = await mapLimited(call.inputs, EMBEDDING_CONCURRENCY, async (text) => {
      const { answer } = await invoke({ inputText: text, ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}), normalize: true });
      const vector = answer?.['embedding'];
      const tokens = answer?.['inputTextTokenCount'];
      if (!isVector(vector) || typeof tokens !== 'number') throw malformed('embedding or no inputTextTokenCount');
      return { vectors: [vector], tokens };
    });
    return embeddingsOfCalls(results);
  }
  if (COHERE_EMBEDDINGS.test(modelId)) {
    const batches = Array.from({ length: Math.ceil(call.inputs.length / COHERE_TEXTS_PER_CALL) }, (_, index) =>
      call.inputs.slice(index * COHERE_TEXTS_PER_CALL, (index + 1) * COHERE_TEXTS_PER_CALL),
    );
    const results = await mapLimited(batches, EMBEDDING_CONCURRENCY, async (texts) => {
      const dimensions = call.dimensions !== undefined && /embed-v4/.test(modelId) ? { output_dimension: call.dimensions } : {};
      const { answer, headerTokens } = await invoke({ texts, input_type: 'search_document', embedding_types: ['float'], ...dimensions });
      const embeddings = answer?.['embeddings'];
      const vectors = Array.isArray(embeddings) ? embeddings : (embeddings as { float?: unknown } | undefined)?.float;
      if (!Array.isArray(vectors) || vectors.length !== texts.length || !vectors.every(isVector)) throw malformed('float embedding per text');
      if (headerTokens === undefined) throw malformed('x-amzn-bedrock-input-token-count header');
      return { vectors, tokens: headerTokens };
    });
    return embeddingsOfCalls(results);
  }
  throw fail('rejected', `${modelId} is not an embedding model Switchyard calls on Bedrock (Titan Text Embeddings v2 and Cohere Embed are)`);
}
