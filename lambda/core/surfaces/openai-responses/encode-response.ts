/**
 * OpenAI responses: the OpenAI Responses surface (one file per step, named as
 * in every surface folder): parse the request, encode the answer and the
 * stream, map usage and finish reasons, the error envelope, and the surface
 * object.
 *
 * This file: a whole answer as a Responses `response` object, and the items and ids its stream shares.
 */
import type { ChatRequest } from '../../model/chat-request';
import type { Completion } from '../../model/completion';
import type { ToolCall, ToolDefinition } from '../../model/tool';
import { reasoningItem } from './reasoning-items';
import { outcomeOf } from './map-finish-reason';
import { responsesUsage } from './map-usage';

export interface ResponseIds {
  readonly response: string;
  readonly message: string;
  readonly reasoning: string;
  call(index: number): string;
}

export function idsOf(requestId: string): ResponseIds {
  const id = requestId.replaceAll('-', '');
  return { response: `resp_${id}`, message: `msg_${id}`, reasoning: `rs_${id}`, call: (index) => `fc_${index}_${id}` };
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

/**
 * A tool call as the caller declared the tool: a `function_call` (with its
 * namespace, when it had one), or a `custom_tool_call` whose input is the
 * `input` argument of the function a freeform tool was offered as.
 */
export function callItem(id: string, call: ToolCall, status: string, tools: readonly ToolDefinition[]) {
  const origin = tools.find((tool) => tool.name === call.name)?.origin;
  const name = origin?.name ?? call.name;
  const namespace = origin?.namespace !== undefined ? { namespace: origin.namespace } : {};
  if (origin?.freeform) return { type: 'custom_tool_call' as const, id: id.replace(/^fc_/, 'ctc_'), call_id: call.id, name, ...namespace, input: freeformInput(call.arguments), status };
  return { type: 'function_call' as const, id, call_id: call.id, name, ...namespace, arguments: call.arguments, status };
}

/** The `input` argument a model wrote for a freeform tool; arguments that are not such an object pass as they are. */
export function freeformInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    const input = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['input'] : undefined;
    return typeof input === 'string' ? input : args;
  } catch {
    return args;
  }
}

/**
 * A completion as a `response` object: its reasoning as an opaque item when the
 * caller asked for it, a message item for its text, an item per tool call.
 */
export function toResponseObject(requestId: string, model: string, completion: Completion, nowMs: number, chat: ChatRequest) {
  const ids = idsOf(requestId);
  const calls = completion.toolCalls ?? [];
  const output = [
    ...(chat.encryptedReasoning && completion.reasoning?.length ? [reasoningItem(ids.reasoning, completion.reasoning)] : []),
    ...(completion.content !== '' || calls.length === 0 ? [messageItem(ids.message, completion.content, 'completed')] : []),
    ...calls.map((call, index) => callItem(ids.call(index), call, 'completed', chat.tools)),
  ];
  return responseObject(ids, model, Math.floor(nowMs / 1000), { ...outcomeOf(completion.finishReason), output, usage: responsesUsage(completion.usage) });
}

