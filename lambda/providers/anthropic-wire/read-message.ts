/** A whole Messages answer (`type: "message"`) as a completion; its failures sorted into kinds. */
import type { ProviderError } from '../../core/base/errors';
import type { Completion, FinishReason } from '../../core/model/completion';
import type { ReasoningBlock } from '../../core/model/reasoning';
import type { ToolCall } from '../../core/model/tool';
import type { Fail } from '../call-failure';
import { failureKindOfStatus } from '../failure-kinds';
import { usageOf, type WireUsage } from './read-usage';

export interface WireBlock {
  readonly type?: string;
  readonly text?: string;
  readonly id?: string;
  readonly name?: string;
  readonly input?: unknown;
  readonly thinking?: string;
  readonly signature?: string;
  readonly data?: string;
}

interface WireMessage {
  readonly type?: string;
  readonly content?: readonly WireBlock[];
  readonly stop_reason?: string | null;
  readonly usage?: WireUsage;
}

/** Anthropic's stop reasons; `refusal` is the content filter's, a failure. */
export function finishReasonOf(stopReason: string | null | undefined, fail: (kind: 'content_filter' | 'malformed_response', message: string) => ProviderError): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      throw fail('content_filter', 'the model refused (stop_reason refusal)');
    default:
      throw fail('malformed_response', `unexpected stop_reason "${String(stopReason)}"`);
  }
}

export function readMessage(text: string, fail: Fail): Completion {
  let message: WireMessage;
  try {
    message = JSON.parse(text) as WireMessage;
  } catch (error) {
    throw fail('malformed_response', 'response body is not JSON', { status: 200, cause: error });
  }
  if (message?.type !== 'message' || !Array.isArray(message.content) || !message.usage) {
    throw fail('malformed_response', 'response is no message with content and usage', { status: 200 });
  }
  const usage = usageOf(message.usage);
  const finishReason = finishReasonOf(message.stop_reason, (kind, reason) => fail(kind, reason, { status: 200, usage }));
  const blocks = message.content;
  const content = blocks.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  const toolCalls = blocks.flatMap((block): ToolCall[] => (block.type === 'tool_use' ? [{ id: block.id ?? '', name: block.name ?? '', arguments: JSON.stringify(block.input ?? {}) }] : []));
  const reasoning = blocks.flatMap((block): ReasoningBlock[] => {
    if (block.type === 'thinking') return [{ text: block.thinking ?? '', signature: block.signature ?? '' }];
    if (block.type === 'redacted_thinking') return [{ redacted: block.data ?? '' }];
    return [];
  });
  return { content, ...(toolCalls.length > 0 ? { toolCalls } : {}), ...(reasoning.length > 0 ? { reasoning } : {}), finishReason, usage, simulated: false };
}

/** An error answer: Anthropic's envelope (`{"type":"error","error":{...}}`) or AWS's (`{"message":...}`), sorted by its status (529, overloaded, is a 5xx). */
export function statusFailure(status: number, text: string, errorType: string | null, fail: Fail): ProviderError {
  let parsed: { error?: { type?: string; message?: string }; message?: string; Message?: string } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const type = parsed?.error?.type ?? errorType ?? undefined;
  const detail = parsed?.error?.message ?? parsed?.message ?? parsed?.Message ?? text.slice(0, 200);
  const message = `HTTP ${status}${type ? ` ${type}` : ''}: ${detail}`;
  if (status === 400 && /prompt is too long|context (limit|window)|too many tokens/i.test(detail)) return fail('context_length', message, { status });
  return fail(failureKindOfStatus(status), message, { status });
}
