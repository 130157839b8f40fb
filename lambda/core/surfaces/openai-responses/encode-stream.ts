/** A streamed answer as the Responses event sequence. */
import type { ChatRequest } from '../../model/chat-request';
import { reasoningCollector } from '../../content/reasoning-blocks';
import type { ToolCall } from '../../model/tool';
import type { StreamEncoder } from '../../model/stream-encoder';
import { callItem, idsOf, messageItem, responseObject } from './encode-response';
import { reasoningItem } from './reasoning-items';
import { outcomeOf } from './map-finish-reason';
import { responsesUsage } from './map-usage';

/**
 * The Responses event sequence: `response.created`, `response.in_progress`,
 * then per output item `response.output_item.added`, its deltas
 * (`response.output_text.delta` inside a content part,
 * `response.function_call_arguments.delta`, or for a freeform tool its whole
 * input once the call is complete) and `.done` events, and `response.completed`
 * (or `response.incomplete`) with the whole response. Reasoning the caller asked
 * back comes first, as one opaque `reasoning` item. A broken stream ends with
 * `response.failed` and an `error` event.
 */
export function responsesEventEncoder(options: { readonly requestId: string; readonly model: string; readonly nowMs: number; readonly chat: ChatRequest }): StreamEncoder {
  const ids = idsOf(options.requestId);
  const createdAt = Math.floor(options.nowMs / 1000);
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const done: Record<string, unknown>[] = [];
  let current: { readonly index: number; readonly kind: 'message'; text: string } | { readonly index: number; readonly kind: 'call'; readonly call: ToolCall; args: string } | undefined;
  const calls = new Map<number, { readonly index: number; readonly itemId: string; readonly freeform: boolean }>();
  const reasoning = options.chat.encryptedReasoning ? reasoningCollector() : undefined;
  let reasoningSent = 0;

  /** The reasoning since the last item, as one item of its own (Claude may think again between tool calls). */
  const flushReasoning = (): string[] => {
    const blocks = reasoning?.blocks().slice(reasoningSent) ?? [];
    if (blocks.length === 0) return [];
    const item = reasoningItem(reasoningSent === 0 ? ids.reasoning : `${ids.reasoning}_${reasoningSent}`, blocks);
    reasoningSent += blocks.length;
    const index = done.length;
    done.push(item);
    return [event('response.output_item.added', { output_index: index, item: { ...item, summary: [] } }), event('response.output_item.done', { output_index: index, item })];
  };

  const finish = (): string[] => {
    if (!current) return [];
    const item = current;
    current = undefined;
    if (item.kind === 'message') {
      const finished = messageItem(ids.message, item.text, 'completed');
      done.push(finished);
      const part = { item_id: ids.message, output_index: item.index, content_index: 0 };
      return [
        event('response.output_text.done', { ...part, text: item.text }),
        event('response.content_part.done', { ...part, part: finished.content[0] }),
        event('response.output_item.done', { output_index: item.index, item: finished }),
      ];
    }
    const finished = callItem(ids.call(item.index), { ...item.call, arguments: item.args }, 'completed', options.chat.tools);
    done.push(finished);
    const where = { item_id: finished.id, output_index: item.index };
    const inputEvents =
      finished.type === 'custom_tool_call'
        ? [event('response.custom_tool_call_input.delta', { ...where, delta: finished.input }), event('response.custom_tool_call_input.done', { ...where, input: finished.input })]
        : [event('response.function_call_arguments.done', { ...where, arguments: item.args })];
    return [...inputEvents, event('response.output_item.done', { output_index: item.index, item: finished })];
  };

  return {
    begin: () => {
      const response = responseObject(ids, options.model, createdAt, { status: 'in_progress', output: [], usage: null });
      return [event('response.created', { response }), event('response.in_progress', { response })];
    },
    thinking: (piece) => {
      reasoning?.add(piece);
      return [];
    },
    text: (text) => {
      const frames: string[] = [];
      if (current?.kind !== 'message') {
        frames.push(...finish(), ...flushReasoning());
        current = { index: done.length, kind: 'message', text: '' };
        frames.push(
          event('response.output_item.added', { output_index: current.index, item: { ...messageItem(ids.message, '', 'in_progress'), content: [] } }),
          event('response.content_part.added', { item_id: ids.message, output_index: current.index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }),
        );
      }
      const message = current as Extract<typeof current, { kind: 'message' }>;
      message.text += text;
      frames.push(event('response.output_text.delta', { item_id: ids.message, output_index: message.index, content_index: 0, delta: text }));
      return frames;
    },
    toolCall: (piece) => {
      const frames: string[] = [];
      if (piece.id !== undefined) {
        frames.push(...finish(), ...flushReasoning());
        const call = { id: piece.id, name: piece.name ?? '', arguments: '' };
        current = { index: done.length, kind: 'call', call, args: '' };
        const added = callItem(ids.call(current.index), call, 'in_progress', options.chat.tools);
        calls.set(piece.index, { index: current.index, itemId: added.id, freeform: added.type === 'custom_tool_call' });
        frames.push(event('response.output_item.added', { output_index: current.index, item: added }));
      }
      const target = calls.get(piece.index);
      if (target && piece.arguments !== '') {
        if (current?.kind === 'call' && current.index === target.index) current.args += piece.arguments;
        // A freeform tool's input is known once its arguments' JSON is whole: it is sent at the call's end.
        if (!target.freeform) frames.push(event('response.function_call_arguments.delta', { item_id: target.itemId, output_index: target.index, delta: piece.arguments }));
      }
      return frames;
    },
    end: (finishReason, usage) => {
      const frames = [...finish(), ...flushReasoning()];
      const outcome = outcomeOf(finishReason);
      const response = responseObject(ids, options.model, createdAt, { ...outcome, output: done, usage: responsesUsage(usage) });
      return [...frames, event(outcome.status === 'completed' ? 'response.completed' : 'response.incomplete', { response })];
    },
    fail: (message) => {
      const error = { code: 'stream_interrupted', message };
      const response = responseObject(ids, options.model, createdAt, { status: 'failed', error, output: done, usage: null });
      return [event('response.failed', { response }), event('error', { ...error, param: null })];
    },
  };
}
