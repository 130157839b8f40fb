/** A streamed answer as OpenAI's chat-completion chunks. */
import type { FinishReason } from '../../model/completion';
import type { StreamEncoder } from '../../model/stream-encoder';
import { openAiFinishReason } from './map-finish-reason';
import { wireUsage } from './map-usage';

/**
 * OpenAI's chat-completion chunks: a role chunk, content and tool-call
 * deltas, a finish chunk, the usage chunk when asked for, a verification
 * chunk when the answer was verified, then `data: [DONE]`; a broken stream
 * ends with an `error` event and no `[DONE]`.
 */
export function openAiChunkEncoder(options: {
  readonly requestId: string;
  readonly model: string;
  readonly simulated: boolean;
  readonly includeUsage: boolean;
  readonly nowMs: number;
}): StreamEncoder {
  const base = {
    id: `chatcmpl-${options.requestId}`,
    object: 'chat.completion.chunk',
    created: Math.floor(options.nowMs / 1000),
    model: options.model,
    system_fingerprint: options.simulated ? 'switchyard-simulated' : 'switchyard',
  };
  const chunk = (choices: unknown[], usage?: unknown) => sseData({ ...base, choices, ...(options.includeUsage ? { usage: usage ?? null } : {}) });
  const delta = (content: Record<string, unknown>, finishReason: FinishReason | null = null) =>
    chunk([{ index: 0, delta: content, logprobs: null, finish_reason: finishReason && openAiFinishReason(finishReason) }]);
  return {
    begin: () => [delta({ role: 'assistant', content: '' })],
    text: (text) => [delta({ content: text })],
    toolCall: ({ index, id, name, arguments: piece }) => [
      // The id, type and name come on a call's first piece only, then argument text.
      delta({ tool_calls: [id === undefined ? { index, function: { arguments: piece } } : { index, id, type: 'function', function: { name, arguments: piece } }] }),
    ],
    end: (finishReason, usage) => [delta({}, finishReason), ...(options.includeUsage ? [chunk([], wireUsage(usage))] : [])],
    // A chunk with no choices, as the usage chunk is: clients pass over it, and read the field when they look for it.
    verified: ({ status, score }) => [sseData({ ...base, choices: [], switchyard_verification: { status, score } })],
    close: () => ['data: [DONE]\n\n'],
    fail: (message) => [sseData({ error: { message, type: 'upstream_error', param: null, code: 'stream_interrupted' } })],
  };
}

/** One server-sent event carrying JSON, with no event name. */
function sseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
