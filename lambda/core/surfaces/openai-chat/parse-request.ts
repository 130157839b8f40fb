/**
 * OpenAI's chat-completions wire format at the edge: a request body parsed and
 * validated into the provider-neutral {@link ChatRequest}, and a completion
 * shaped as OpenAI's response body. Everything a caller can get wrong is
 * reported here as a 400 naming the field, before any provider is called.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import type { $ZodIssue } from 'zod/v4/core';
import { decodeDataUrl, IMAGE_FORMATS } from '../../content/images';
import type { ContentPart, ChatMessage, ChatRole } from '../../model/message';
import type { ChatRequest, ResponseFormat } from '../../model/chat-request';
import type { ToolCall, ToolChoice, ToolDefinition } from '../../model/tool';
import { CallerError } from '../../base/errors';
import { formatPath, type Limits } from '../../../policy/policy';
import type { StreamEncoder } from '../../model/stream-encoder';
import type { Completion, FinishReason } from '../../model/completion';
import { promptTokens } from '../../content/token-usage';
import type { TokenUsage } from '../../model/usage';

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
/** OpenAI's own rule for function names. */
const toolName = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"'));
const toolCall = z.looseObject({
  id: z.string().check(z.minLength(1, 'is required: the id the model gave the call')),
  type: z.literal('function'),
  function: z.looseObject({ name: toolName, arguments: z.string() }),
});
const message = z.looseObject({
  role: z.enum(ROLES),
  content: z.nullish(z.union([z.string(), z.array(part)])),
  tool_calls: z.nullish(z.array(toolCall)),
  tool_call_id: z.nullish(z.string()),
});
/** OpenAI's limit on tools per request. */
const MAX_TOOLS = 128;
/** OpenAI's own limits on these fields. */
const MAX_STOP_SEQUENCES = 4;
const MAX_METADATA_PAIRS = 16;
const MAX_METADATA_KEY_LENGTH = 64;
const MAX_METADATA_VALUE_LENGTH = 512;
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
  metadata: z.nullish(
    z
      .record(z.string().check(z.maxLength(MAX_METADATA_KEY_LENGTH)), z.union([z.string().check(z.maxLength(MAX_METADATA_VALUE_LENGTH)), z.number()]))
      .check(z.refine((pairs) => Object.keys(pairs).length <= MAX_METADATA_PAIRS, `may have at most ${MAX_METADATA_PAIRS} pairs`)),
  ),
  tools: z.nullish(
    z
      .array(
        z.looseObject({
          type: z.literal('function'),
          function: z.looseObject({
            name: toolName,
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
    z.discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({
        type: z.literal('json_schema'),
        json_schema: z.looseObject({
          name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"')),
          description: z.optional(z.string()),
          schema: z.optional(z.record(z.string(), z.unknown())),
          strict: z.nullish(z.boolean()),
        }),
      }),
    ]),
  ),
});

/** Parses the raw body text; `limits` come from the routing policy. */
export function parseChatRequest(body: string | undefined, limits: Limits): ChatRequest {
  const { data, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model" and "messages"', refused: UNSUPPORTED });
  return validateChatRequest(data, dropped, limits);
}

/**
 * A request body as every surface reads it, and the one rule for parameters:
 * size and JSON first; then those in `refused` get a 400 that says what to do;
 * those in the schema are checked and carried; any other is accepted, not
 * sent, and returned in `dropped`, which the answer names in a header.
 */
export function readRequestBody<S extends z.ZodMiniObject>(
  body: string | undefined,
  limits: Limits,
  schema: S,
  options: { readonly expects: string; readonly refused?: Readonly<Record<string, string>> },
): { readonly data: z.output<S>; readonly dropped: string[] } {
  const input = parseJsonBody(body, limits);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CallerError('invalid_request', `The request body must be a JSON object with ${options.expects}.`);
  }
  for (const [param, advice] of Object.entries(options.refused ?? {})) {
    const value = (input as Record<string, unknown>)[param];
    if (value !== undefined && value !== null && value !== false) {
      throw new CallerError('unsupported_parameter', `"${param}": ${advice}.`, param);
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidField(parsed.error.issues[0]!, input);
  const carried = new Set(Object.keys(schema.def.shape));
  return { data: parsed.data, dropped: Object.keys(input).filter((param) => !carried.has(param)).sort() };
}

/** Parses a JSON body, refusing oversize and malformed ones before anything else runs. */
function parseJsonBody(body: string | undefined, limits: Limits): unknown {
  if (body === undefined || body.trim() === '') {
    throw new CallerError('invalid_json', 'The request body is empty: send a JSON object with "model" and "messages".');
  }
  const size = Buffer.byteLength(body, 'utf8');
  if (size > limits.maxBodyBytes) {
    throw new CallerError(
      'request_too_large',
      `The request body is ${size} bytes; the limit is ${limits.maxBodyBytes} bytes. Send fewer or shorter messages.`,
    );
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    throw new CallerError('invalid_json', `The request body is not valid JSON${detail}.`, null, { cause: error });
  }
}

function validateChatRequest(body: Body, dropped: string[], limits: Limits): ChatRequest {
  if (body.messages.length > limits.maxMessages) {
    throw new CallerError(
      'invalid_request',
      `"messages" has ${body.messages.length} entries; the limit is ${limits.maxMessages}.`,
      'messages',
    );
  }
  for (const param of ['max_tokens', 'max_completion_tokens'] as const) {
    const asked = body[param];
    if (asked != null && asked > limits.maxTokens) {
      throw new CallerError('invalid_request', `"${param}" is ${asked}; the limit is ${limits.maxTokens}.`, param);
    }
  }
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
    responseFormat: responseFormatOf(body.response_format),
    ...(body.reasoning_effort ? { reasoning: { effort: body.reasoning_effort } } : {}),
    ...toolsOf(body),
  };
}

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
        finish_reason: completion.finishReason,
        logprobs: null,
      },
    ],
    usage: wireUsage(completion.usage),
  };
}

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
    chunk([{ index: 0, delta: content, logprobs: null, finish_reason: finishReason }]);
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

/** A tool call in OpenAI's shape, in a response or a request. */
export function wireToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}

/** Usage in OpenAI's shape: prompt tokens include cached ones, which are also counted apart. */
export function wireUsage(usage: TokenUsage) {
  const prompt = promptTokens(usage);
  return {
    prompt_tokens: prompt,
    completion_tokens: usage.output,
    total_tokens: prompt + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cacheRead },
    ...(usage.reasoning !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.reasoning } } : {}),
  };
}

function responseFormatOf(format: Body['response_format']): ResponseFormat {
  if (!format || format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, description, schema, strict } = format.json_schema;
  return { type: 'json_schema', jsonSchema: { name, description, schema, strict: strict ?? undefined } };
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

/**
 * Tools with their choice, as every surface checks them: names unique, a
 * named choice among them, and no choice or parallel setting without tools.
 * `params` says where each sits in the surface's own request.
 */
export function checkedTools(
  tools: readonly ToolDefinition[],
  toolChoice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
  params: { readonly name: (index: number) => string; readonly choiceName: string },
): Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  const names = new Set<string>();
  tools.forEach(({ name }, index) => {
    if (names.has(name)) throw new CallerError('invalid_request', `"${params.name(index)}" "${name}" is declared twice.`, params.name(index));
    names.add(name);
  });
  if (tools.length === 0) {
    const param = toolChoice !== undefined ? 'tool_choice' : parallelToolCalls !== undefined ? 'parallel_tool_calls' : undefined;
    if (param) throw new CallerError('invalid_request', `"${param}" is only allowed when "tools" are specified.`, param);
  }
  if (typeof toolChoice === 'object' && !names.has(toolChoice.name)) {
    throw new CallerError(
      'invalid_request',
      `"${params.choiceName}" is "${clip(toolChoice.name, 64)}", which is not one of the "tools": ${[...names].join(', ')}.`,
      params.choiceName,
    );
  }
  return { tools, toolChoice, parallelToolCalls };
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
  if (content.trim() === '' && !parts && !toolCalls?.length) {
    throw new CallerError('invalid_request', `"${at}.content" is empty: every message needs text.`, `${at}.content`);
  }
  return { role, content, ...(parts ? { parts } : {}), ...(toolCalls?.length ? { toolCalls } : {}) };
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
      if (!/^https?:\/\//i.test(url) && !decodeDataUrl(url)) {
        throw new CallerError(
          'invalid_request',
          `"${param}.image_url.url" must be an https URL or a base64 data URL of a ${IMAGE_FORMATS.join(', ')} image (data:image/png;base64,...).`,
          `${param}.image_url.url`,
        );
      }
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

/** The 400 for the first problem a schema found in `input`, naming the field. */
export function invalidField(issue: $ZodIssue, input: unknown): CallerError {
  // A key of the caller's own (metadata) can be as long as the body: quote only its start.
  const param = clip(formatPath(issue.path), MAX_PARAM_LENGTH);
  return new CallerError('invalid_request', `"${param}" ${describeIssue(issue, valueAt(input, issue.path))}.`, param);
}

function describeIssue(issue: $ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `is required (expected ${issue.expected})` : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string' ? issue.message : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `may have at most ${issue.maximum} entries`;
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters long` : `must be at most ${issue.maximum}`;
    case 'invalid_union': {
      // The branch of the value's own type says what is wrong with it: a 5-entry stop list is "too many", not "invalid".
      const branch = issue.errors.find((issues) => issues[0] !== undefined && issues[0].code !== 'invalid_type')?.[0];
      if (!branch) return 'has the wrong type';
      const inner = formatPath(branch.path);
      return `${inner ? `${inner.startsWith('[') ? inner : `.${inner}`} ` : ''}${describeIssue(branch, valueAt(value, branch.path))}`;
    }
    case 'invalid_key':
      return `is a key that ${issue.issues[0] ? describeIssue(issue.issues[0], undefined) : 'is not allowed'}`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

const MAX_PARAM_LENGTH = 100;

function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
