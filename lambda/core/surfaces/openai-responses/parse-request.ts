/**
 * OpenAI's Responses API at the edge (`POST /v1/responses`), for Codex CLI and
 * the openai SDKs' `responses.create`, stateless: a request parsed into the
 * provider-neutral {@link ChatRequest}, a completion shaped as a `response`
 * object, and its stream as the Responses event sequence. Nothing is stored:
 * `store: true` and `previous_response_id` are refused with a 400.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { decodeDataUrl } from '../../content/images';
import type { ContentPart, ChatMessage } from '../../model/message';
import type { ToolCall, ToolChoice } from '../../model/tool';
import { checkedTools, readRequestBody } from '../openai-chat/parse-request';
import type { ChatRequest, ResponseFormat } from '../../model/chat-request';
import type { StreamEncoder } from '../../model/stream-encoder';
import { CallerError } from '../../base/errors';
import type { Limits } from '../../../policy/policy';
import type { Completion, FinishReason } from '../../model/completion';
import { promptTokens } from '../../content/token-usage';
import type { TokenUsage } from '../../model/usage';

const item = z.looseObject({ type: z.optional(z.string()) });

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: use "auto", "tier-0".."tier-3" or a model id from GET /v1/models')),
  input: z.union([z.string().check(z.minLength(1, 'must not be empty')), z.array(item).check(z.minLength(1, 'must contain at least one item'))]),
  instructions: z.nullish(z.string()),
  max_output_tokens: z.nullish(z.int().check(z.positive())),
  temperature: z.nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: z.nullish(z.number().check(z.gte(0), z.lte(1))),
  stream: z.nullish(z.boolean()),
  store: z.nullish(z.boolean()),
  metadata: z.nullish(z.record(z.string(), z.string())),
  tools: z.nullish(z.array(z.looseObject({ type: z.string(), name: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"'))), description: z.nullish(z.string()), parameters: z.nullish(z.record(z.string(), z.unknown())), strict: z.nullish(z.boolean()) })).check(z.maxLength(128))),
  tool_choice: z.nullish(z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function'), name: z.string() })])),
  parallel_tool_calls: z.nullish(z.boolean()),
  reasoning: z.nullish(z.looseObject({ effort: z.nullish(z.enum(['minimal', 'low', 'medium', 'high'])) })),
  text: z.nullish(
    z.looseObject({
      format: z.nullish(
        z.discriminatedUnion('type', [
          z.looseObject({ type: z.literal('text') }),
          z.looseObject({ type: z.literal('json_object') }),
          z.looseObject({
            type: z.literal('json_schema'),
            name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"')),
            schema: z.optional(z.record(z.string(), z.unknown())),
            description: z.optional(z.string()),
            strict: z.nullish(z.boolean()),
          }),
        ]),
      ),
    }),
  ),
});

/** Fields that would need state Switchyard does not keep: refused, with what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  store: 'responses are not stored here: send "store": false and the whole conversation in "input" each turn',
  previous_response_id: 'responses are not stored here: send the whole conversation in "input" each turn (as Codex does with "store": false)',
  conversation: 'conversations are not stored here: send the whole conversation in "input" each turn',
  background: 'background responses are not supported: remove "background"',
  prompt: 'stored prompt templates are not supported: send "instructions" and "input"',
};


export function parseResponsesRequest(body: string | undefined, limits: Limits): ChatRequest {
  const { data: request, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model" and "input"', refused: REFUSED });
  if (request.max_output_tokens != null && request.max_output_tokens > limits.maxTokens) {
    throw new CallerError('invalid_request', `"max_output_tokens" is ${request.max_output_tokens}; the limit is ${limits.maxTokens}.`, 'max_output_tokens');
  }
  const messages = [
    ...(request.instructions ? [{ role: 'system' as const, content: request.instructions }] : []),
    ...(typeof request.input === 'string' ? [{ role: 'user' as const, content: request.input }] : itemsToMessages(request.input)),
  ];
  if (messages.length > limits.maxMessages) {
    throw new CallerError('invalid_request', `"input" has ${messages.length} messages; the limit is ${limits.maxMessages}.`, 'input');
  }
  const tools = (request.tools ?? []).map((tool, index) => {
    if (tool.type !== 'function' || !tool.name) {
      const param = `tools[${index}].type`;
      throw new CallerError('unsupported_parameter', `"${param}" is "${tool.type}": only function tools are supported; run other tools in your client.`, param);
    }
    return { name: tool.name, description: tool.description ?? undefined, parameters: tool.parameters ?? undefined, strict: tool.strict ?? undefined };
  });
  const choice = request.tool_choice ?? undefined;
  const toolChoice: ToolChoice | undefined = typeof choice === 'object' ? { name: choice.name } : choice;
  return {
    model: request.model,
    messages,
    maxTokens: request.max_output_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    topP: request.top_p ?? undefined,
    stop: undefined,
    metadata: request.metadata ?? {},
    stream: request.stream === true,
    includeUsage: true,
    dropped,
    responseFormat: formatOf(request.text?.format ?? undefined),
    ...(request.reasoning?.effort ? { reasoning: { effort: request.reasoning.effort } } : {}),
    ...checkedTools(tools, toolChoice, request.parallel_tool_calls ?? undefined, { name: (index) => `tools[${index}].name`, choiceName: 'tool_choice.name' }),
  };
}

function formatOf(format: NonNullable<z.output<typeof bodySchema>['text']>['format'] | undefined): ResponseFormat {
  if (!format || format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  return { type: 'json_schema', jsonSchema: { name: format.name, description: format.description, schema: format.schema, strict: format.strict ?? undefined } };
}

/**
 * Input items as chat messages: messages by role, a `function_call` joins the
 * assistant turn before it (or starts one), a `function_call_output` is a tool
 * message, and earlier `reasoning` items are not sent back.
 */
function itemsToMessages(items: readonly z.output<typeof item>[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const called = new Set<string>();
  items.forEach((entry, index) => {
    const at = `input[${index}]`;
    const fields = entry as Record<string, unknown>;
    const type = entry.type ?? 'message';
    if (type === 'message') {
      messages.push(messageOf(fields, at));
    } else if (type === 'function_call') {
      const { call_id: id, name, arguments: args } = fields;
      if (typeof id !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
        throw new CallerError('invalid_request', `"${at}" must be {"type": "function_call", "call_id": ..., "name": ..., "arguments": "..."}.`, at);
      }
      called.add(id);
      const call: ToolCall = { id, name, arguments: args };
      const previous = messages.at(-1);
      if (previous?.role === 'assistant') messages[messages.length - 1] = { ...previous, toolCalls: [...(previous.toolCalls ?? []), call] };
      else messages.push({ role: 'assistant', content: '', toolCalls: [call] });
    } else if (type === 'function_call_output') {
      const { call_id: id, output } = fields;
      if (typeof id !== 'string' || !called.has(id)) {
        throw new CallerError('invalid_request', `"${at}.call_id" must be the call_id of an earlier function_call item.`, `${at}.call_id`);
      }
      messages.push({ role: 'tool', content: typeof output === 'string' ? output : JSON.stringify(output ?? ''), toolCallId: id });
    } else if (type !== 'reasoning') {
      throw new CallerError('unsupported_parameter', `"${at}" is a "${type}" item; message, function_call and function_call_output items are supported.`, `${at}.type`);
    }
  });
  return messages;
}

function messageOf(fields: Record<string, unknown>, at: string): ChatMessage {
  const role = fields['role'] === 'developer' ? 'system' : fields['role'];
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    throw new CallerError('invalid_request', `"${at}.role" must be one of "user", "assistant", "system", "developer".`, `${at}.role`);
  }
  const content = fields['content'];
  if (typeof content === 'string') return nonEmpty({ role, content }, at);
  if (!Array.isArray(content)) throw new CallerError('invalid_request', `"${at}.content" must be text or a list of content parts.`, `${at}.content`);
  const parts = content.map((part: Record<string, unknown>, index): ContentPart => {
    const where = `${at}.content[${index}]`;
    if ((part['type'] === 'input_text' || part['type'] === 'output_text') && typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
    if (part['type'] === 'input_image' && role === 'user') {
      const url = part['image_url'];
      if (typeof url !== 'string' || (!/^https?:\/\//i.test(url) && !decodeDataUrl(url))) {
        throw new CallerError('invalid_request', `"${where}.image_url" must be an https URL or a base64 data URL of an image.`, `${where}.image_url`);
      }
      const detail = part['detail'];
      return { type: 'image', image: { url, detail: detail === 'low' || detail === 'high' || detail === 'auto' ? detail : undefined } };
    }
    throw new CallerError('unsupported_parameter', `"${where}" is a "${String(part['type'])}" part; input_text, output_text and (from users) input_image parts are supported.`, where);
  });
  const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
  return nonEmpty({ role, content: text, ...(parts.some((part) => part.type === 'image') ? { parts } : {}) }, at);
}

function nonEmpty(message: ChatMessage, at: string): ChatMessage {
  if (message.content.trim() === '' && !message.parts) throw new CallerError('invalid_request', `"${at}.content" is empty: every message needs text.`, `${at}.content`);
  return message;
}

/** Usage as Responses counts it: input includes cached tokens, which are also counted apart. */
function responsesUsage(usage: TokenUsage) {
  const input = promptTokens(usage);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: input + usage.output,
  };
}

interface ResponseIds {
  readonly response: string;
  readonly message: string;
  call(index: number): string;
}

function idsOf(requestId: string): ResponseIds {
  const id = requestId.replaceAll('-', '');
  return { response: `resp_${id}`, message: `msg_${id}`, call: (index) => `fc_${index}_${id}` };
}

/** The parts of a `response` object every state shares; `output` and the outcome vary. */
function responseObject(ids: ResponseIds, model: string, createdAt: number, fields: Record<string, unknown>) {
  return { id: ids.response, object: 'response', created_at: createdAt, model, error: null, incomplete_details: null, store: false, metadata: {}, ...fields };
}

function outcomeOf(finishReason: FinishReason) {
  return finishReason === 'length' ? { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } : { status: 'completed' };
}

const messageItem = (id: string, text: string, status: string) => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
});

const callItem = (id: string, call: ToolCall, status: string) => ({ type: 'function_call', id, call_id: call.id, name: call.name, arguments: call.arguments, status });

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

/**
 * The Responses event sequence: `response.created`, `response.in_progress`,
 * then per output item `response.output_item.added`, its deltas
 * (`response.output_text.delta` inside a content part, or
 * `response.function_call_arguments.delta`) and `.done` events, and
 * `response.completed` (or `response.incomplete`) with the whole response.
 * A broken stream ends with `response.failed` and an `error` event.
 */
export function responsesEventEncoder(options: { readonly requestId: string; readonly model: string; readonly nowMs: number }): StreamEncoder {
  const ids = idsOf(options.requestId);
  const createdAt = Math.floor(options.nowMs / 1000);
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const done: Record<string, unknown>[] = [];
  let current: { readonly index: number; readonly kind: 'message'; text: string } | { readonly index: number; readonly kind: 'call'; readonly call: ToolCall; args: string } | undefined;
  const calls = new Map<number, { readonly index: number; readonly itemId: string }>();

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
    const finished = callItem(ids.call(item.index), { ...item.call, arguments: item.args }, 'completed');
    done.push(finished);
    return [
      event('response.function_call_arguments.done', { item_id: finished.id, output_index: item.index, arguments: item.args }),
      event('response.output_item.done', { output_index: item.index, item: finished }),
    ];
  };

  return {
    begin: () => {
      const response = responseObject(ids, options.model, createdAt, { status: 'in_progress', output: [], usage: null });
      return [event('response.created', { response }), event('response.in_progress', { response })];
    },
    text: (text) => {
      const frames: string[] = [];
      if (current?.kind !== 'message') {
        frames.push(...finish());
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
        frames.push(...finish());
        const call = { id: piece.id, name: piece.name ?? '', arguments: '' };
        current = { index: done.length, kind: 'call', call, args: '' };
        calls.set(piece.index, { index: current.index, itemId: ids.call(current.index) });
        frames.push(event('response.output_item.added', { output_index: current.index, item: callItem(ids.call(current.index), call, 'in_progress') }));
      }
      const target = calls.get(piece.index);
      if (target && piece.arguments !== '') {
        if (current?.kind === 'call' && current.index === target.index) current.args += piece.arguments;
        frames.push(event('response.function_call_arguments.delta', { item_id: target.itemId, output_index: target.index, delta: piece.arguments }));
      }
      return frames;
    },
    end: (finishReason, usage) => {
      const frames = finish();
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
