/**
 * OpenAI's Responses request (`POST /v1/responses`), as Codex CLI and the
 * openai SDKs' `responses.create` send it, parsed into the provider-neutral
 * {@link ChatRequest}. Stateless: nothing is stored, so `store: true` and
 * `previous_response_id` are refused with a 400 that says what to send instead.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import type { ChatRequest } from '../../model/chat-request';
import type { ChatMessage, ContentPart } from '../../model/message';
import type { ToolCall, ToolChoice } from '../../model/tool';
import type { Limits } from '../../../policy/policy';
import { readRequestBody } from '../shared/read-body';
import { jsonObjectFormat, jsonSchemaFields, responseFormatOf, textFormat } from '../shared/response-format';
import { checkedImageUrl, checkedTools, checkMessageCount, checkOutputTokens, MAX_TOOLS, metadataSchema, requireContent, toolNameSchema } from '../shared/request-checks';

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
  metadata: metadataSchema,
  tools: z.nullish(z.array(z.looseObject({ type: z.string(), name: z.optional(toolNameSchema), description: z.nullish(z.string()), parameters: z.nullish(z.record(z.string(), z.unknown())), strict: z.nullish(z.boolean()) })).check(z.maxLength(MAX_TOOLS))),
  tool_choice: z.nullish(z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function'), name: z.string() })])),
  parallel_tool_calls: z.nullish(z.boolean()),
  reasoning: z.nullish(z.looseObject({ effort: z.nullish(z.enum(['minimal', 'low', 'medium', 'high'])) })),
  text: z.nullish(
    z.looseObject({
      format: z.nullish(z.discriminatedUnion('type', [textFormat, jsonObjectFormat, z.looseObject({ type: z.literal('json_schema'), ...jsonSchemaFields })])),
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
  checkOutputTokens(request.max_output_tokens, limits, 'max_output_tokens');
  const messages = [
    ...(request.instructions ? [{ role: 'system' as const, content: request.instructions }] : []),
    ...(typeof request.input === 'string' ? [{ role: 'user' as const, content: request.input }] : itemsToMessages(request.input)),
  ];
  checkMessageCount(messages.length, limits, 'input');
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
    metadata: Object.fromEntries(Object.entries(request.metadata ?? {}).map(([key, value]) => [key, String(value)])),
    stream: request.stream === true,
    includeUsage: true,
    dropped,
    responseFormat: responseFormatOf(request.text?.format ?? undefined),
    ...(request.reasoning?.effort ? { reasoning: { effort: request.reasoning.effort } } : {}),
    ...checkedTools(tools, toolChoice, request.parallel_tool_calls ?? undefined, { name: (index) => `tools[${index}].name`, choiceName: 'tool_choice.name' }),
  };
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
  if (typeof content === 'string') return requireContent({ role, content }, `${at}.content`);
  if (!Array.isArray(content)) throw new CallerError('invalid_request', `"${at}.content" must be text or a list of content parts.`, `${at}.content`);
  const parts = content.map((part: Record<string, unknown>, index): ContentPart => {
    const where = `${at}.content[${index}]`;
    if ((part['type'] === 'input_text' || part['type'] === 'output_text') && typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
    if (part['type'] === 'input_image' && role === 'user') {
      // Anything but text fails the same check, with the same message.
      const url = checkedImageUrl(typeof part['image_url'] === 'string' ? part['image_url'] : '', `${where}.image_url`);
      const detail = part['detail'];
      return { type: 'image', image: { url, detail: detail === 'low' || detail === 'high' || detail === 'auto' ? detail : undefined } };
    }
    throw new CallerError('unsupported_parameter', `"${where}" is a "${String(part['type'])}" part; input_text, output_text and (from users) input_image parts are supported.`, where);
  });
  const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
  return requireContent({ role, content: text, ...(parts.some((part) => part.type === 'image') ? { parts } : {}) }, `${at}.content`);
}
