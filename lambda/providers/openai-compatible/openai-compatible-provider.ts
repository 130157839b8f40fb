/** The OpenAI-compatible adapter, tying the pieces of this folder together. */
import { ProviderError } from '../../core/base/errors';
import type { CompletionCall, EmbeddingCall, ProviderAdapter } from '../../core/model/provider';
import type { ApiKeySource } from '../api-keys';
import { completeChat, streamChat, type ChatSettings } from './chat';
import { embedWithOpenAi } from './embeddings';
import type { Fail } from './errors';
import { jsonPoster } from './post-json';

export interface OpenAiCompatibleOptions {
  /** Provider id from the policy, e.g. `openai`. */
  readonly provider: string;
  /** Base URL up to and including `/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer`; none for hosts that take none (local ones). */
  readonly apiKey: ApiKeySource | undefined;
  /**
   * OpenAI's reasoning models refuse `max_tokens`; most other hosts only know it.
   * @default 'max_completion_tokens'
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

export function createOpenAiCompatibleAdapter(options: OpenAiCompatibleOptions): ProviderAdapter {
  const postJson = jsonPoster(options.baseUrl, options.apiKey);
  const chat: ChatSettings = { postJson, maxTokensField: options.maxTokensField ?? 'max_completion_tokens' };

  const failFor =
    (call: CompletionCall | EmbeddingCall): Fail =>
    (kind, message, details = {}) =>
      new ProviderError(kind, message, { provider: options.provider, model: call.model.id, ...details });

  return {
    embed: async (call) => embedWithOpenAi(postJson, call, failFor(call)),
    complete: async (call) => completeChat(chat, call, failFor(call)),
    stream: (call) => streamChat(chat, call, failFor(call)),
  };
}
