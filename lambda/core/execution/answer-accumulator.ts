/**
 * Execution: how a routed request is carried out along its chain of candidate
 * models. One attempt at one candidate (`attempt.ts`, its contract, its gates:
 * time, circuit, budget); the one chain runner that tries the first candidate
 * in this process and walks the rest by the fallback plan (`chain-runner.ts`
 * for whole answers, `chat-stream.ts` for streamed ones, `embed.ts` for
 * embeddings, a chain of one); the fallback plan and its runners
 * (`fallback-contract.ts`, the Step Functions state machine's definition in
 * `fallback-definition.ts`, the same walk in-process in
 * `in-process-fallback.ts`, a forced fallback for drills); and the per-model
 * circuit breaker. Routing decides the chain before this folder runs;
 * accounting prices and stores what it records.
 *
 * This file: one streamed answer as it arrives, whoever reads it. The attempt
 * that reads a stream whole and the driver that passes a stream on to the
 * caller both collect its text, tool-call pieces and reasoning here, and both
 * charge a stream that reported no usage by the same estimate of what was seen.
 */
import { reasoningCollector } from '../content/reasoning-blocks';
import { NO_USAGE } from '../content/token-usage';
import type { Completion, CompletionChunk } from '../model/completion';
import type { ChatMessage } from '../model/message';
import type { ToolCall, ToolDefinition } from '../model/tool';
import type { TokenUsage } from '../model/usage';
import { estimateTextTokens, estimateTokens } from '../routing/token-estimate';

/** The end of a stream: its finish reason and, when the provider reported it, its usage. */
export type AnswerEnd = Extract<CompletionChunk, { type: 'end' }>;

/** One streamed answer so far. Feed it every piece before the end, then ask for the whole. */
export interface AnswerAccumulator {
  /** Takes the next piece: text and tool-call pieces are joined, reasoning pieces assembled into blocks. */
  add(piece: Exclude<CompletionChunk, { type: 'end' }>): void;
  /** The answer's text so far, without tool calls or reasoning: what verification and shadow traffic compare. */
  content(): string;
  /**
   * What the call has used as far as this side can tell: the prompt's estimate,
   * and the text and tool-call arguments seen so far as output. Reasoning the
   * provider does not count for us is not guessed at.
   */
  seen(): TokenUsage;
  /**
   * The whole answer at its end, with the end's usage, or the estimate of what
   * was seen when the provider reported none (`estimated` says which).
   */
  complete(end: AnswerEnd, simulated: boolean): { readonly completion: Completion; readonly estimated: boolean };
}

/** An accumulator for an answer to this prompt (its messages and tools are what the input estimate counts). */
export function answerAccumulator(prompt: { readonly messages: readonly ChatMessage[]; readonly tools?: readonly ToolDefinition[] | undefined }): AnswerAccumulator {
  let content = '';
  // Indexed by the piece's call index: a call's later pieces carry only more of its arguments.
  const toolCalls: ToolCall[] = [];
  const reasoning = reasoningCollector();
  const seen = (): TokenUsage => ({
    ...NO_USAGE,
    input: estimateTokens(prompt.messages, prompt.tools),
    output: estimateTextTokens(content + toolCalls.map((call) => call.arguments).join('')),
  });
  return {
    add(piece) {
      if (piece.type === 'thinking') reasoning.add(piece);
      else if (piece.type === 'text') content += piece.text;
      else {
        const call = toolCalls[piece.index] ?? { id: '', name: '', arguments: '' };
        toolCalls[piece.index] = { id: piece.id ?? call.id, name: piece.name ?? call.name, arguments: call.arguments + piece.arguments };
      }
    },
    content: () => content,
    seen,
    complete(end, simulated) {
      const calls = toolCalls.filter(Boolean);
      const blocks = reasoning.blocks();
      const completion: Completion = {
        content,
        ...(calls.length > 0 ? { toolCalls: calls } : {}),
        ...(blocks.length > 0 ? { reasoning: blocks } : {}),
        finishReason: end.finishReason,
        usage: end.usage ?? seen(),
        simulated,
      };
      return { completion, estimated: end.usage === undefined };
    },
  };
}
