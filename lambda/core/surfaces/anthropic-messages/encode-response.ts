/**
 * Anthropic messages: the Anthropic Messages surface (one file per step, named
 * as in every surface folder): parse the request, encode the answer and the
 * stream, map usage and finish reasons, the error envelope, and the surface
 * object.
 *
 * This file: a whole answer as Anthropic's `message` object.
 */
import type { Completion } from '../../model/completion';
import { anthropicStopReason } from './map-finish-reason';
import { anthropicUsage } from './map-usage';

/** A completion as Anthropic's `message` object. */
export function toAnthropicMessage(requestId: string, model: string, completion: Completion) {
  return {
    id: `msg_${requestId.replaceAll('-', '')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(completion.reasoning ?? []).map((block) =>
        'redacted' in block ? { type: 'redacted_thinking', data: block.redacted } : { type: 'thinking', thinking: block.text, signature: block.signature },
      ),
      ...(completion.content !== '' ? [{ type: 'text', text: completion.content }] : []),
      ...(completion.toolCalls ?? []).map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: jsonObject(call.arguments) })),
    ],
    stop_reason: anthropicStopReason(completion.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(completion.usage),
  };
}

/** A model's arguments as an object; text that is not one (a broken model answer) is kept under `arguments`. */
function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through
  }
  return { arguments: text };
}
