/**
 * The one seam between the router and the model providers (part of the
 * request model: types only). Each adapter in
 * `lambda/providers/` builds its provider's request, parses the response,
 * normalises usage and sorts its failures into {@link ProviderError} kinds.
 */
import type { ModelSpec } from '../../policy/policy';
import type { ProviderConfig } from '../../policy/schema';
import type { ResponseFormat } from './chat-request';
import type { Completion, CompletionChunk } from './completion';
import type { ChatMessage } from './message';
import type { ReasoningRequest } from './reasoning';
import type { ToolChoice, ToolDefinition } from './tool';
import type { TokenUsage } from './usage';

export interface CompletionCall {
  readonly model: ModelSpec;
  readonly messages: readonly ChatMessage[];
  /** Already clamped to the model's own output limit. */
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[] | undefined;
  /** Mark the prompt prefix for caching (only set for models with `promptCaching`). */
  readonly cachePrompt: boolean;
  /** The caller's prompt-cache key (OpenAI's `prompt_cache_key`), for hosts that route by one. @default none */
  readonly promptCacheKey?: string | undefined;
  /** The shape the answer must take; not `text` only for models with the `json` capability. */
  readonly responseFormat: ResponseFormat;
  /** Functions the model may call (only sent to models with the `tools` capability); empty when none. */
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice: ToolChoice | undefined;
  readonly parallelToolCalls: boolean | undefined;
  /** anthropic-beta flags to send: those the caller sent that the model accepts. */
  readonly betas: readonly string[];
  /** Reasoning to ask for; only set for models with the `reasoning` capability. */
  readonly reasoning?: ReasoningRequest | undefined;
  /**
   * The caller's Anthropic Messages request as it came: set only for a provider
   * that serves the Messages API itself for this model, which then sends it as is
   * (its model, output cap and stream flag set) instead of the fields above.
   */
  readonly anthropicBody?: Readonly<Record<string, unknown>> | undefined;
  /** Fires when the request's deadline passes; adapters must stop waiting then. */
  readonly signal: AbortSignal;
}

export interface ProviderAdapter {
  /** Resolves with a completion, or rejects with a `ProviderError`. */
  complete(call: CompletionCall): Promise<Completion>;
  /**
   * Streams the answer. Iterating rejects with a `ProviderError`: before the
   * first chunk for everything `complete` would reject with (so the router can
   * still fall back), or after it when the stream breaks (cut, stalled past
   * the call's signal, malformed, an error event); such a late error carries
   * the usage the provider reported so far, if any. Breaking out of the loop
   * (the client went away) ends the provider call. `signal` aborts it too.
   */
  stream?(call: CompletionCall): AsyncIterable<CompletionChunk>;
  /**
   * Rewrites a call the provider is known to refuse into one it takes (a documented rule
   * each), saying what changed; the router sends the result. Absent when nothing needs it.
   */
  adjust?(call: Omit<CompletionCall, 'signal'>): { readonly call: Omit<CompletionCall, 'signal'>; readonly adjusted: readonly string[] };
  /** Whether the provider serves Anthropic's Messages API itself for `model`: a Messages request then goes to it as sent. */
  speaksAnthropicMessages?(model: ModelSpec): boolean;
  /** Embeds texts; rejects with a `ProviderError`. Only providers that serve embedding models have it. */
  embed?(call: EmbeddingCall): Promise<Embeddings>;
}

/** One embeddings call: every input text, embedded by one model. */
export interface EmbeddingCall {
  readonly model: ModelSpec;
  readonly inputs: readonly string[];
  /** Output dimensions, where the model offers a choice. */
  readonly dimensions: number | undefined;
  readonly signal: AbortSignal;
}

export interface Embeddings {
  /** One vector per input, in order. */
  readonly vectors: readonly (readonly number[])[];
  /** Input tokens only: embedding models write no output. */
  readonly usage: TokenUsage;
  readonly simulated: boolean;
}

export type ProviderKind = ProviderConfig['kind'];

/** Adapters by provider id (the part of a model id before the slash). */
export interface ProviderRegistry {
  get(provider: string): ProviderAdapter;
  /** Whether the provider answers with real models or is simulated. */
  isSimulated(provider: string): boolean;
}
