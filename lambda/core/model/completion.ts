/** A model's answer: whole, or as a stream of provider-neutral chunks. */
import type { ReasoningBlock } from './reasoning';
import type { ToolCall } from './tool';
import type { TokenUsage } from './usage';

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
  /** Answered through the provider's own Messages API with the caller's request as sent: nothing the edge dropped was dropped. */
  readonly native?: boolean | undefined;
  /** What the provider's adapter changed so the provider would take the request (`top_p dropped: ...`). */
  readonly adjusted?: readonly string[] | undefined;
}

/**
 * One piece of a streamed answer. Contract: any number of `text`, `thinking`
 * and `tool_call` pieces, then exactly one `end`.
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

/** A piece of a streamed tool call. */
export type ToolCallPiece = Extract<CompletionChunk, { type: 'tool_call' }>;

/** A piece of streamed reasoning. */
export type ThinkingPiece = Extract<CompletionChunk, { type: 'thinking' }>;
