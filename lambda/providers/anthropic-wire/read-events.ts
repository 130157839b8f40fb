/**
 * A streamed Messages answer, server-sent events as Anthropic sends them
 * (`message_start`, `content_block_start` / `_delta` / `_stop`,
 * `message_delta`, `message_stop`, `ping`, `error`), read into completion
 * chunks: text, thinking (text, signature, redacted), tool calls numbered from
 * 0 in the order they begin, then one end with the usage.
 */
import type { ProviderFailureKind } from '../../core/base/errors';
import type { CompletionChunk } from '../../core/model/completion';
import type { TokenUsage } from '../../core/model/usage';
import type { Fail } from '../call-failure';
import { failureKindOfStatus } from '../failure-kinds';
import { serverSentEvents } from '../server-sent-events';
import { finishReasonOf, type WireBlock } from './read-message';
import { mergeUsage, type WireUsage } from './read-usage';

interface WireEvent {
  readonly type?: string;
  readonly index?: number;
  readonly message?: { readonly usage?: WireUsage };
  readonly content_block?: WireBlock;
  readonly delta?: {
    readonly type?: string;
    readonly text?: string;
    readonly thinking?: string;
    readonly signature?: string;
    readonly partial_json?: string;
    readonly stop_reason?: string | null;
  };
  readonly usage?: WireUsage;
  readonly error?: { readonly type?: string; readonly message?: string };
}

/** Anthropic's error event types, as the HTTP statuses they stand for. */
const ERROR_STATUS: Readonly<Record<string, number>> = { overloaded_error: 529, rate_limit_error: 429, api_error: 500, invalid_request_error: 400, timeout_error: 504 };

export async function* readEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal, failForCall: Fail): AsyncGenerator<CompletionChunk> {
  let startUsage: WireUsage | undefined;
  let deltaUsage: WireUsage | undefined;
  let stopReason: string | null | undefined;
  const usage = (): TokenUsage | undefined => mergeUsage(startUsage, deltaUsage);
  // Everything after the headers: the provider answered 200, and any usage it reported so far is charged.
  const late = (kind: ProviderFailureKind, message: string, cause?: unknown) => failForCall(kind, message, { status: 200, usage: usage(), cause });
  /** Content block index to tool call number. */
  const toolCalls = new Map<number, number>();
  for await (const message of serverSentEvents(body, signal, late)) {
    let event: WireEvent;
    try {
      event = JSON.parse(message.data) as WireEvent;
    } catch (error) {
      throw late('malformed_response', 'a streamed event is not JSON', error);
    }
    switch (event.type) {
      case 'message_start':
        startUsage = event.message?.usage;
        break;
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'tool_use') {
          const number = toolCalls.size;
          toolCalls.set(event.index ?? number, number);
          yield { type: 'tool_call', index: number, id: block.id ?? '', name: block.name ?? '', arguments: '' };
        } else if (block?.type === 'redacted_thinking') {
          yield { type: 'thinking', redacted: block.data ?? '' };
        } else if (block?.type === 'text' && block.text) {
          yield { type: 'text', text: block.text };
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta' && delta.text) yield { type: 'text', text: delta.text };
        else if (delta?.type === 'thinking_delta') yield { type: 'thinking', text: delta.thinking ?? '' };
        else if (delta?.type === 'signature_delta') yield { type: 'thinking', signature: delta.signature ?? '' };
        else if (delta?.type === 'input_json_delta' && delta.partial_json) {
          const number = toolCalls.get(event.index ?? -1);
          if (number === undefined) throw late('malformed_response', 'tool input for a block that is no tool_use');
          yield { type: 'tool_call', index: number, arguments: delta.partial_json };
        }
        break;
      }
      case 'message_delta':
        stopReason = event.delta?.stop_reason ?? stopReason;
        deltaUsage = event.usage ?? deltaUsage;
        break;
      case 'message_stop':
        yield { type: 'end', finishReason: finishReasonOf(stopReason, (kind, reason) => late(kind, reason)), usage: usage() };
        return;
      case 'error': {
        const status = ERROR_STATUS[event.error?.type ?? ''] ?? 500;
        throw late(failureKindOfStatus(status), `error event: ${event.error?.type ?? 'error'}: ${event.error?.message ?? 'no message'}`);
      }
      default:
        // ping, content_block_stop, and event types added later: nothing to carry.
        break;
    }
  }
  throw late('connection', 'the stream ended without message_stop');
}
