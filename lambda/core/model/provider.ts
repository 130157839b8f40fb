/**
 * The one seam between the router and the model providers. Each adapter in
 * `lambda/providers/` builds its provider's request, parses the response,
 * normalises usage and sorts its failures into {@link ProviderError} kinds.
 */
import type { ReasoningBlock, ReasoningRequest, ToolCall, ToolChoice, ToolDefinition } from '../content/chat-content';
import type { ChatMessage, ResponseFormat } from '../surfaces/openai-chat/parse-request';
import type { ModelSpec, ProviderConfig } from '../../policy/policy';
import type { TokenUsage } from '../content/token-usage';

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
  /** Fires when the request's deadline passes; adapters must stop waiting then. */
  readonly signal: AbortSignal;
}

/** OpenAI's finish reasons; a provider's content filter is a failure (`content_filter`), not an answer. */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Completion {
  readonly content: string;
  /** The tools the model called; absent or empty when it called none. */
  readonly toolCalls?: readonly ToolCall[] | undefined;
  /** The reasoning the model did first, where the provider returns it (Claude's thinking). */
  readonly reasoning?: readonly ReasoningBlock[] | undefined;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  /** True when no real model produced the answer (the mock provider). */
  readonly simulated: boolean;
  /** What the provider's adapter changed so the provider would take the request (`top_p dropped: ...`). */
  readonly adjusted?: readonly string[] | undefined;
}

/**
 * One piece of a streamed answer, provider-neutral: any number of `text` and
 * `tool_call` pieces, then exactly one `end`.
 */
export type CompletionChunk =
  | { readonly type: 'text'; readonly text: string }
  /**
   * The model is reasoning: a piece of its thinking text, the signature that closes a block, or
   * an encrypted block; or none of them (a provider that does not show its reasoning). Surfaces
   * that carry reasoning pass it on; for the timers it is proof of life either way.
   */
  | { readonly type: 'thinking'; readonly text?: string | undefined; readonly signature?: string | undefined; readonly redacted?: string | undefined }
  | {
      readonly type: 'tool_call';
      /** Which call this piece belongs to, counting from 0 in the order the calls began. */
      readonly index: number;
      /** On a call's first piece only. */
      readonly id?: string | undefined;
      /** On a call's first piece only. */
      readonly name?: string | undefined;
      /** The next piece of the arguments' JSON text; '' when none came with it. */
      readonly arguments: string;
    }
  | {
      readonly type: 'end';
      readonly finishReason: FinishReason;
      /** As the provider reported it; `undefined` when it reported none (the router then estimates and says so). */
      readonly usage: TokenUsage | undefined;
    };

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
