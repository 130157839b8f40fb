/** The contract between the chain runner, which reads a provider's chunks, and a surface's stream format. */
import type { FinishReason, ThinkingPiece, ToolCallPiece } from './completion';
import type { TokenUsage } from './usage';
import type { Verification } from './verification';

/**
 * One API surface's stream format (OpenAI chat chunks, Anthropic message
 * events, ...). Made per request: an encoder may keep state, such as which
 * content block is open. Each method returns whole frames to write, in order.
 */
export interface StreamEncoder {
  /** Frames that open the answer, before its first piece. */
  begin(): string[];
  text(text: string): string[];
  toolCall(piece: ToolCallPiece): string[];
  /** The model's reasoning, for surfaces that carry it; absent where it is not passed on. */
  thinking?(piece: ThinkingPiece): string[];
  /** Frames that close a complete answer. */
  end(finishReason: FinishReason, usage: TokenUsage): string[];
  /** Frames that report the answer's verification, after its end; absent where the surface does not carry it. */
  verified?(verification: Verification): string[];
  /** Frames after everything else (OpenAI's `[DONE]`). */
  close?(): string[];
  /** Frames that end a broken answer: an error in the surface's own format, never a clean end. */
  fail(message: string): string[];
}
