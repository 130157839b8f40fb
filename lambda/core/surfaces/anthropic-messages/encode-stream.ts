/** A streamed answer as Anthropic's message events. */
import type { StreamEncoder } from '../../model/stream-encoder';
import { anthropicStopReason } from './map-finish-reason';
import { anthropicUsage } from './map-usage';

/**
 * Anthropic's stream: `message_start`, then for each content block its
 * `content_block_start`, deltas (`text_delta`, `input_json_delta`) and
 * `content_block_stop`, then `message_delta` with the stop reason and the
 * usage, and `message_stop`. A broken stream ends with an `error` event.
 */
export function anthropicEventEncoder(options: { readonly requestId: string; readonly model: string; readonly inputTokens: number }): StreamEncoder {
  let open: { readonly index: number; readonly kind: 'text' | 'tool_use' | 'thinking' } | undefined;
  let blocks = 0;
  const toolBlocks = new Map<number, number>();
  const close = () => {
    if (!open) return [];
    const frame = event('content_block_stop', { index: open.index });
    open = undefined;
    return [frame];
  };
  const start = (kind: 'text' | 'tool_use' | 'thinking', contentBlock: Record<string, unknown>) => {
    const frames = close();
    open = { index: blocks, kind };
    blocks += 1;
    return [...frames, event('content_block_start', { index: open.index, content_block: contentBlock })];
  };
  return {
    begin: () => [
      event('message_start', {
        message: {
          id: `msg_${options.requestId.replaceAll('-', '')}`,
          type: 'message',
          role: 'assistant',
          model: options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The provider reports usage at the end: this is an estimate, which message_delta replaces.
          usage: { input_tokens: options.inputTokens, output_tokens: 0 },
        },
      }),
    ],
    text: (text) => [
      ...(open?.kind === 'text' ? [] : start('text', { type: 'text', text: '' })),
      event('content_block_delta', { index: open!.index, delta: { type: 'text_delta', text } }),
    ],
    thinking: ({ text, signature, redacted }) => {
      const frames: string[] = [];
      if (redacted !== undefined) {
        frames.push(...start('thinking', { type: 'redacted_thinking', data: redacted }), ...close());
      }
      if (text === undefined && signature === undefined) return frames;
      if (open?.kind !== 'thinking') frames.push(...start('thinking', { type: 'thinking', thinking: '', signature: '' }));
      if (text) frames.push(event('content_block_delta', { index: open!.index, delta: { type: 'thinking_delta', thinking: text } }));
      if (signature !== undefined) frames.push(event('content_block_delta', { index: open!.index, delta: { type: 'signature_delta', signature } }), ...close());
      return frames;
    },
    toolCall: (piece) => {
      const frames: string[] = [];
      if (piece.id !== undefined) {
        frames.push(...start('tool_use', { type: 'tool_use', id: piece.id, name: piece.name ?? '', input: {} }));
        toolBlocks.set(piece.index, open!.index);
      }
      const index = toolBlocks.get(piece.index);
      if (index !== undefined && piece.arguments !== '') frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece.arguments } }));
      return frames;
    },
    end: (finishReason, usage) => [
      ...close(),
      event('message_delta', { delta: { stop_reason: anthropicStopReason(finishReason), stop_sequence: null }, usage: anthropicUsage(usage) }),
      event('message_stop', {}),
    ],
    fail: (message) => [event('error', { error: { type: 'api_error', message } })],
  };
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}
