/** The OpenAI-compatible adapter, tying the pieces of this folder together. */
import type { ProviderAdapter } from '../../core/model/provider';
import type { ApiKeySource } from '../api-keys';
import { failFor } from '../call-failure';
import { completeChat, streamChat, type ChatSettings } from './chat';
import { embedWithOpenAi } from './embeddings';
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
  /** The host takes OpenAI's `prompt_cache_key` (others may refuse a field they do not know). @default false */
  readonly promptCacheKey?: boolean;
}

export function createOpenAiCompatibleAdapter(options: OpenAiCompatibleOptions): ProviderAdapter {
  const postJson = jsonPoster(options.baseUrl, options.apiKey);
  const chat: ChatSettings = { postJson, maxTokensField: options.maxTokensField ?? 'max_completion_tokens' };

  return {
    embed: async (call) => embedWithOpenAi(postJson, call, failFor(options.provider, call)),
    complete: async (call) => completeChat(chat, call, failFor(options.provider, call)),
    stream: (call) => streamChat(chat, call, failFor(options.provider, call)),
    // A cache key the host is not set to take is not sent, and said so.
    ...(options.promptCacheKey
      ? {}
      : {
          adjust: (call) =>
            call.promptCacheKey === undefined
              ? { call, adjusted: [] }
              : { call: { ...call, promptCacheKey: undefined }, adjusted: [`prompt_cache_key not sent (provider "${options.provider}" is not set to take one)`] },
        }),
  };
}
