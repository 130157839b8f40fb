/**
 * OpenAI chat: the OpenAI chat completions surface (one file per step, named
 * as in every surface folder): parse the request, encode the answer and the
 * stream, map usage and finish reasons, the error envelope, and the surface
 * object.
 *
 * This file: a whole answer as OpenAI's `chat.completion` object.
 */
import type { Completion } from '../../model/completion';
import type { ToolCall } from '../../model/tool';
import { openAiFinishReason } from './map-finish-reason';
import { wireUsage } from './map-usage';

export function toChatCompletion(requestId: string, model: string, completion: Completion, nowMs: number) {
  const toolCalls = completion.toolCalls ?? [];
  return {
    id: `chatcmpl-${requestId}`,
    object: 'chat.completion',
    created: Math.floor(nowMs / 1000),
    model,
    system_fingerprint: completion.simulated ? 'switchyard-simulated' : 'switchyard',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI's shape: a turn that only calls tools has no content.
          content: completion.content === '' && toolCalls.length > 0 ? null : completion.content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls.map(wireToolCall) } : {}),
        },
        finish_reason: openAiFinishReason(completion.finishReason),
        logprobs: null,
      },
    ],
    usage: wireUsage(completion.usage),
  };
}

/** A tool call in OpenAI's answer shape. */
function wireToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}
