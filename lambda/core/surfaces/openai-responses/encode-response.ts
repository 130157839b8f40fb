/**
 * OpenAI responses: the OpenAI Responses surface (one file per step, named as
 * in every surface folder): parse the request, encode the answer and the
 * stream, map usage and finish reasons, the error envelope, and the surface
 * object.
 *
 * This file: a whole answer as a Responses `response` object, and the items and ids its stream shares.
 */
import type { Completion } from '../../model/completion';
import type { ToolCall } from '../../model/tool';
import { outcomeOf } from './map-finish-reason';
import { responsesUsage } from './map-usage';

export interface ResponseIds {
  readonly response: string;
  readonly message: string;
  call(index: number): string;
}

export function idsOf(requestId: string): ResponseIds {
  const id = requestId.replaceAll('-', '');
  return { response: `resp_${id}`, message: `msg_${id}`, call: (index) => `fc_${index}_${id}` };
}

/** The parts of a `response` object every state shares; `output` and the outcome vary. */
export function responseObject(ids: ResponseIds, model: string, createdAt: number, fields: Record<string, unknown>) {
  return { id: ids.response, object: 'response', created_at: createdAt, model, error: null, incomplete_details: null, store: false, metadata: {}, ...fields };
}

export const messageItem = (id: string, text: string, status: string) => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

export const callItem = (id: string, call: ToolCall, status: string) => ({ type: 'function_call', id, call_id: call.id, name: call.name, arguments: call.arguments, status });

/** A completion as a `response` object: a message item for its text, a function_call item per tool call. */
export function toResponseObject(requestId: string, model: string, completion: Completion, nowMs: number) {
  const ids = idsOf(requestId);
  const calls = completion.toolCalls ?? [];
  const output = [
    ...(completion.content !== '' || calls.length === 0 ? [messageItem(ids.message, completion.content, 'completed')] : []),
    ...calls.map((call, index) => callItem(ids.call(index), call, 'completed')),
  ];
  return responseObject(ids, model, Math.floor(nowMs / 1000), { ...outcomeOf(completion.finishReason), output, usage: responsesUsage(completion.usage) });
}

