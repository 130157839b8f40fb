/**
 * OpenAI's chat-completions request (`POST /v1/chat/completions`) parsed and
 * validated into the provider-neutral {@link ChatRequest}. Everything a caller
 * can get wrong is reported here as a 400 naming the field, before any
 * provider is called.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import type { ChatRequest } from '../../model/chat-request';
import type { ChatMessage, ChatRole, ContentPart } from '../../model/message';
import type { ToolCall } from '../../model/tool';
import type { Limits } from '../../../policy/policy';
import { clip } from '../shared/invalid-field';
import { readRequestBody } from '../shared/read-body';
import { jsonObjectFormat, jsonSchemaFields, responseFormatOf, textFormat } from '../shared/response-format';
import { checkedImageUrl, checkedTools, checkMessageCount, checkOutputTokens, MAX_TOOLS, metadataSchema, requireContent, toolNameSchema } from '../shared/request-checks';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

/** Parameters we refuse rather than silently ignore, with what to do instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  functions: '"functions" is the deprecated form of "tools": send {"type": "function", "function": {...}} entries in "tools"',
  function_call: '"function_call" is the deprecated form of "tool_choice": send "tool_choice" instead',
  logprobs: 'logprobs are not supported: remove "logprobs"',
  top_logprobs: 'logprobs are not supported: remove "top_logprobs"',
  audio: 'audio output is not supported: remove "audio"',
  prediction: 'predicted outputs are not supported: remove "prediction"',
};

const part = z.looseObject({
  type: z.string(),
  text: z.optional(z.string()),
  image_url: z.optional(z.looseObject({ url: z.string(), detail: z.nullish(z.enum(['auto', 'low', 'high'])) })),
});
const toolCall = z.looseObject({
  id: z.string().check(z.minLength(1, 'is required: the id the model gave the call')),
  type: z.literal('function'),
  function: z.looseObject({ name: toolNameSchema, arguments: z.string() }),
});
const message = z.looseObject({
  role: z.enum(ROLES),
  content: z.nullish(z.union([z.string(), z.array(part)])),
  tool_calls: z.nullish(z.array(toolCall)),
  tool_call_id: z.nullish(z.string()),
});
/** OpenAI's own limits on these fields. */
const MAX_STOP_SEQUENCES = 4;
/** A stop sequence longer than this is surely a mistake, and providers refuse it in ways of their own. */
const MAX_STOP_SEQUENCE_LENGTH = 256;

const stopSequence = z.string().check(z.maxLength(MAX_STOP_SEQUENCE_LENGTH));
const boundedNumber = (min: number, max: number) => z.nullish(z.number().check(z.gte(min), z.lte(max)));
const positiveInt = z.nullish(z.int().check(z.positive()));

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: use "auto", "tier-0".."tier-3" or a model id from GET /v1/models')),
  messages: z.array(message).check(z.minLength(1, 'must contain at least one message')),
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  temperature: boundedNumber(0, 2),
  top_p: boundedNumber(0, 1),
  stop: z.nullish(z.union([stopSequence, z.array(stopSequence).check(z.maxLength(MAX_STOP_SEQUENCES))])),
  n: z.nullish(z.literal(1, 'only n=1 is supported')),
  stream: z.nullish(z.boolean()),
  stream_options: z.nullish(z.looseObject({ include_usage: z.nullish(z.boolean()) })),
  metadata: metadataSchema,
  tools: z.nullish(
    z
      .array(
        z.looseObject({
          type: z.literal('function'),
          function: z.looseObject({
            name: toolNameSchema,
            description: z.optional(z.string()),
            parameters: z.optional(z.record(z.string(), z.unknown())),
            strict: z.nullish(z.boolean()),
          }),
        }),
      )
      .check(z.maxLength(MAX_TOOLS)),
  ),
  tool_choice: z.nullish(
    z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) })]),
  ),
  parallel_tool_calls: z.nullish(z.boolean()),
  reasoning_effort: z.nullish(z.enum(['minimal', 'low', 'medium', 'high'])),
  response_format: z.nullish(
    z.discriminatedUnion('type', [textFormat, jsonObjectFormat, z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject(jsonSchemaFields) })]),
  ),
});

/** Parses the raw body text; `limits` come from the routing policy. */
export function parseChatRequest(body: string | undefined, limits: Limits): ChatRequest {
  const { data, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model" and "messages"', refused: UNSUPPORTED });
  return validateChatRequest(data, dropped, limits);
}

function validateChatRequest(body: Body, dropped: string[], limits: Limits): ChatRequest {
  checkMessageCount(body.messages.length, limits, 'messages');
  for (const param of ['max_tokens', 'max_completion_tokens'] as const) checkOutputTokens(body[param], limits, param);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    throw new CallerError('invalid_request', '"stream_options" is only allowed with "stream": true.', 'stream_options');
  }
  const called = new Set<string>();
  return {
    model: body.model,
    messages: body.messages.map((entry, index) => toChatMessage(entry, index, called)),
    maxTokens,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    stop: typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined),
    metadata: Object.fromEntries(Object.entries(body.metadata ?? {}).map(([key, value]) => [key, String(value)])),
    stream,
    includeUsage: stream && body.stream_options?.include_usage === true,
    dropped,
    responseFormat: responseFormatOf(body.response_format?.type === 'json_schema' ? { type: 'json_schema', ...body.response_format.json_schema } : (body.response_format ?? undefined)),
    ...(body.reasoning_effort ? { reasoning: { effort: body.reasoning_effort } } : {}),
    ...toolsOf(body),
  };
}

type Body = z.output<typeof bodySchema>;

function toolsOf(body: Body): Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  const tools = (body.tools ?? []).map(({ function: { name, description, parameters, strict } }) => ({
    name,
    description,
    parameters,
    strict: strict ?? undefined,
  }));
  const choice = body.tool_choice ?? undefined;
  return checkedTools(tools, typeof choice === 'object' ? { name: choice.function.name } : choice, body.parallel_tool_calls ?? undefined, {
    name: (index) => `tools[${index}].function.name`,
    choiceName: 'tool_choice.function.name',
  });
}

/** `called` collects the ids of the tool calls seen so far, so a tool message can be checked against them. */
function toChatMessage(entry: z.output<typeof message>, index: number, called: Set<string>): ChatMessage {
  const at = `messages[${index}]`;
  if (entry.role === 'function') {
    throw new CallerError(
      'unsupported_parameter',
      `"${at}.role" "function" is the deprecated form of tool results: send {"role": "tool", "tool_call_id": ..., "content": ...}.`,
      `${at}.role`,
    );
  }
  const role = entry.role === 'developer' ? 'system' : entry.role;
  const { content, parts } = contentOf(entry.content, at, role);
  if (entry.tool_calls != null && role !== 'assistant') {
    throw new CallerError('invalid_request', `"${at}.tool_calls" is only allowed on assistant messages.`, `${at}.tool_calls`);
  }
  if (role === 'tool') {
    const id = entry.tool_call_id;
    if (typeof id !== 'string' || !called.has(id)) {
      const problem = typeof id === 'string' ? `"${clip(id, 64)}" answers no tool call of an earlier assistant message` : 'is required on a tool message';
      throw new CallerError('invalid_request', `"${at}.tool_call_id" ${problem}: give the id of the call whose result this is.`, `${at}.tool_call_id`);
    }
    return { role, content, toolCallId: id };
  }
  const toolCalls = entry.tool_calls?.map((call, callIndex): ToolCall => {
    if (!isJsonObjectText(call.function.arguments)) {
      const param = `${at}.tool_calls[${callIndex}].function.arguments`;
      throw new CallerError('invalid_request', `"${param}" must be a JSON object written as text, as the model produced it (e.g. "{}").`, param);
    }
    called.add(call.id);
    return { id: call.id, name: call.function.name, arguments: call.function.arguments };
  });
  return requireContent({ role, content, ...(parts ? { parts } : {}), ...(toolCalls?.length ? { toolCalls } : {}) }, `${at}.content`);
}

/** The text of a message's content, and its parts in order when it has images (user messages only). */
function contentOf(content: z.output<typeof message>['content'], at: string, role: ChatRole): { content: string; parts?: ContentPart[] } {
  if (typeof content === 'string') return { content };
  if (!Array.isArray(content)) return { content: '' };
  const parts = content.map((item, partIndex): ContentPart => {
    const param = `${at}.content[${partIndex}]`;
    if (item.type === 'text' && typeof item.text === 'string') return { type: 'text', text: item.text };
    if (item.type === 'image_url' && item.image_url && role === 'user') {
      const { url, detail } = item.image_url;
      checkedImageUrl(url, `${param}.image_url.url`);
      return { type: 'image', image: { url, detail: detail ?? undefined } };
    }
    const allowed = role === 'user' ? 'text and image_url parts are supported' : `only text parts are supported in ${role} messages`;
    throw new CallerError('unsupported_parameter', `"${param}" is a "${item.type}" part; ${allowed}.`, param);
  });
  const text = parts.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n');
  return parts.some((item) => item.type === 'image') ? { content: text, parts } : { content: text };
}

function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
