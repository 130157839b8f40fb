/**
 * Model: the provider-neutral request model, the types every API surface
 * parses into and every provider adapter reads, one concept a file. Types
 * only: nothing in this folder runs, and nothing here imports a surface, a
 * provider or the router, so any part of the gateway may depend on it
 * without a cycle.
 *
 * This file: a chat request after its surface parsed and checked it: what
 * routing, attempts and adapters read.
 */
import type { ChatMessage } from './message';
import type { ReasoningRequest } from './reasoning';
import type { ToolChoice, ToolDefinition } from './tool';

/** The shape the answer must take: OpenAI's `response_format`. */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly jsonSchema: {
        readonly name: string;
        readonly description?: string | undefined;
        readonly schema?: Readonly<Record<string, unknown>> | undefined;
        readonly strict?: boolean | undefined;
      };
    };

/**
 * A validated request, reduced to what every provider adapter understands.
 * Contract: every field is already checked (limits, tool names, images), so no
 * later step refuses the request for its shape.
 */
export interface ChatRequest {
  /** As the caller sent it: `auto`, `tier-N` or a policy model id. */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** What the caller asked for, already checked against `limits.maxTokens`. */
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[] | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  /** Answer as server-sent events. */
  readonly stream: boolean;
  /** With `stream`: end with a chunk that carries the usage (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /**
   * Parameters the request set that no provider is sent (`seed`, `user`,
   * penalties, ...), sorted: the answer names them in `x-switchyard-dropped-params`.
   */
  readonly dropped: readonly string[];
  /** `response_format` as sent; `text` when none. */
  readonly responseFormat: ResponseFormat;
  /** Functions the model may call; empty when none. */
  readonly tools: readonly ToolDefinition[];
  /** As sent; only with `tools`. */
  readonly toolChoice: ToolChoice | undefined;
  /** As sent (`parallel_tool_calls`); only with `tools`. */
  readonly parallelToolCalls: boolean | undefined;
  /** The caller marked the prompt for caching (Anthropic's `cache_control`). @default false */
  readonly cachePrompt?: boolean | undefined;
  /** Asked-for reasoning (`reasoning_effort`, Responses' `reasoning.effort`, Anthropic's `thinking`). @default none */
  readonly reasoning?: ReasoningRequest | undefined;
  /** anthropic-beta flags the client sent; each model is sent those it accepts. @default none */
  readonly betas?: readonly string[] | undefined;
  /**
   * Hosted tools the caller offered that no model here runs (Responses `web_search`, Anthropic
   * server tools), by type: not sent, and named in `x-switchyard-dropped-tools`. @default none
   */
  readonly droppedTools?: readonly string[] | undefined;
  /** The caller wants reasoning back as opaque items to send next turn (Responses `include: ["reasoning.encrypted_content"]`). @default false */
  readonly encryptedReasoning?: boolean | undefined;
  /** The caller's own prompt-cache key (Responses `prompt_cache_key`): sent to hosts that take one. @default none */
  readonly promptCacheKey?: string | undefined;
  /** A Messages request as the caller sent it, for providers that serve that API natively (see `CompletionCall`). @default none */
  readonly anthropicBody?: Readonly<Record<string, unknown>> | undefined;
  /** What the edge changed to make the request servable, e.g. `max_tokens 32000->16384`: named in `x-switchyard-adjusted`. */
  readonly adjusted?: readonly string[] | undefined;
}
