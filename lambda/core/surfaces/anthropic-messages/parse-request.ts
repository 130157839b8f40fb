/**
 * Anthropic's Messages API at the edge (`POST /v1/messages` and
 * `/v1/messages/count_tokens`), for Claude Code and the Anthropic SDKs: a
 * request parsed into the provider-neutral {@link ChatRequest}, a completion
 * shaped as Anthropic's message, its stream as Anthropic's events, and errors
 * in Anthropic's envelope. Routing, pricing and the ledger are the same as for
 * chat completions; only the wire format differs.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { IMAGE_FORMATS } from '../../content/images';
import type { ContentPart, ChatMessage } from '../../model/message';
import type { ReasoningBlock } from '../../model/reasoning';
import type { ToolCall, ToolChoice, ToolDefinition } from '../../model/tool';
import { readRequestBody } from '../openai-chat/parse-request';
import type { ChatRequest } from '../../model/chat-request';
import type { StreamEncoder } from '../../model/stream-encoder';
import { CallerError } from '../../base/errors';
import type { HttpError } from '../shared/http-error';
import type { Limits } from '../../../policy/policy';
import type { Completion, FinishReason } from '../../model/completion';
import type { TokenUsage } from '../../model/usage';

const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)]);

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: a Claude model name such as "claude-sonnet-4-5", "auto", or a model id from GET /v1/models')),
  max_tokens: z.optional(z.int().check(z.positive())),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content })).check(z.minLength(1, 'must contain at least one message')),
  system: z.optional(content),
  stop_sequences: z.optional(z.array(z.string())),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  stream: z.optional(z.boolean()),
  tools: z.optional(
    z
      .array(
        z.looseObject({
          name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"')),
          type: z.optional(z.string()),
          description: z.optional(z.string()),
          input_schema: z.optional(z.record(z.string(), z.unknown())),
        }),
      )
      .check(z.maxLength(128)),
  ),
  tool_choice: z.optional(
    z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.optional(z.string()), disable_parallel_tool_use: z.optional(z.boolean()) }),
  ),
  thinking: z.optional(
    z.discriminatedUnion('type', [
      z.looseObject({ type: z.literal('enabled'), budget_tokens: z.int().check(z.gte(1024, 'must be at least 1024')) }),
      z.looseObject({ type: z.literal('disabled') }),
    ]),
  ),
});

/** Fields Switchyard cannot honour: refused, with what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  mcp_servers: 'MCP servers are not supported: run the tools in your client and send them as "tools"',
  container: 'code-execution containers are not supported: remove "container"',
};


export interface AnthropicParseOptions {
  /** `count_tokens` takes no `max_tokens`. @default true */
  readonly requireMaxTokens?: boolean;
}

/**
 * Parses a Messages request body into a {@link ChatRequest}. `max_tokens` over the
 * policy's cap is lowered to it (Claude Code asks for 32,000) and named in `adjusted`.
 */
export function parseMessagesRequest(body: string | undefined, limits: Limits, options: AnthropicParseOptions = {}): ChatRequest {
  const { data: request, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model", "max_tokens" and "messages"', refused: REFUSED });
  if (request.max_tokens === undefined && options.requireMaxTokens !== false) {
    throw new CallerError('invalid_request', '"max_tokens" is required (expected a positive integer).', 'max_tokens');
  }
  if (request.messages.length > limits.maxMessages) {
    throw new CallerError('invalid_request', `"messages" has ${request.messages.length} entries; the limit is ${limits.maxMessages}.`, 'messages');
  }
  const adjusted: string[] = [];
  let maxTokens = request.max_tokens;
  if (maxTokens !== undefined && maxTokens > limits.maxTokens) {
    adjusted.push(`max_tokens ${maxTokens}->${limits.maxTokens}`);
    maxTokens = limits.maxTokens;
  }

  const reader = new BlockReader();
  const system = request.system === undefined ? [] : [{ role: 'system' as const, content: reader.systemText(request.system) }];
  const messages = request.messages.flatMap((message, index) => reader.message(message.role, message.content, `messages[${index}].content`));
  const tools = (request.tools ?? []).map((tool, index): ToolDefinition => {
    if (tool.type !== undefined && tool.type !== 'custom') {
      const param = `tools[${index}].type`;
      throw new CallerError('unsupported_parameter', `"${param}" is "${tool.type}": server tools are not supported; declare a custom tool and run it in your client.`, param);
    }
    reader.noteCacheControl(tool);
    return { name: tool.name, description: tool.description, parameters: tool.input_schema };
  });
  return {
    model: request.model,
    messages: [...system, ...messages],
    maxTokens,
    temperature: request.temperature,
    topP: request.top_p,
    stop: request.stop_sequences,
    metadata: {},
    stream: request.stream === true,
    includeUsage: true,
    dropped,
    responseFormat: { type: 'text' },
    ...toolChoiceOf(request.tool_choice, tools),
    cachePrompt: reader.cacheRequested,
    adjusted,
    ...(request.thinking?.type === 'enabled' ? { reasoning: { budgetTokens: request.thinking.budget_tokens } } : {}),
  };
}

function toolChoiceOf(
  choice: z.output<typeof bodySchema>['tool_choice'],
  tools: readonly ToolDefinition[],
): Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  if (tools.length === 0) {
    if (choice !== undefined && choice.type !== 'none') throw new CallerError('invalid_request', '"tool_choice" needs "tools".', 'tool_choice');
    return { tools, toolChoice: undefined, parallelToolCalls: undefined };
  }
  let toolChoice: ToolChoice | undefined;
  if (choice?.type === 'any') toolChoice = 'required';
  else if (choice?.type === 'none' || choice?.type === 'auto') toolChoice = choice.type;
  else if (choice?.type === 'tool') {
    if (!choice.name || !tools.some((tool) => tool.name === choice.name)) {
      throw new CallerError('invalid_request', `"tool_choice.name" must name one of the "tools": ${tools.map((tool) => tool.name).join(', ')}.`, 'tool_choice.name');
    }
    toolChoice = { name: choice.name };
  }
  return { tools, toolChoice, parallelToolCalls: choice?.disable_parallel_tool_use === true ? false : undefined };
}

/**
 * Reads content blocks into chat messages, remembering the tool calls seen (a
 * result must answer one) and whether any block asked for caching.
 */
class BlockReader {
  cacheRequested = false;
  private readonly called = new Set<string>();

  noteCacheControl(item: object): void {
    if ((item as { cache_control?: unknown }).cache_control != null) this.cacheRequested = true;
  }

  systemText(system: string | readonly z.output<typeof block>[]): string {
    if (typeof system === 'string') return system;
    return system
      .map((item, index) => {
        this.noteCacheControl(item);
        return this.text(item, `system[${index}]`);
      })
      .join('\n');
  }

  /** A user turn can hold tool results: each becomes a tool message, before the rest of the turn. */
  message(role: 'user' | 'assistant', content: string | readonly z.output<typeof block>[], at: string): ChatMessage[] {
    if (typeof content === 'string') return [this.nonEmpty({ role, content }, at)];
    const results: ChatMessage[] = [];
    const parts: ContentPart[] = [];
    const toolCalls: ToolCall[] = [];
    const reasoning: ReasoningBlock[] = [];
    content.forEach((item, index) => {
      const where = `${at}[${index}]`;
      this.noteCacheControl(item);
      switch (item.type) {
        case 'text':
          parts.push({ type: 'text', text: this.text(item, where) });
          return;
        case 'image':
          if (role !== 'user') throw new CallerError('invalid_request', `"${where}": images are only allowed in user messages.`, where);
          parts.push({ type: 'image', image: { url: imageUrl(item, where) } });
          return;
        case 'tool_use':
          if (role !== 'assistant') throw new CallerError('invalid_request', `"${where}": tool_use blocks belong in assistant messages.`, where);
          toolCalls.push(this.toolUse(item, where));
          return;
        case 'tool_result':
          if (role !== 'user') throw new CallerError('invalid_request', `"${where}": tool_result blocks belong in user messages.`, where);
          results.push(this.toolResult(item, where));
          return;
        case 'thinking':
        case 'redacted_thinking':
          // Claude's earlier thinking goes back as it came, so it can go on thinking through tool calls.
          if (role === 'assistant') reasoning.push(reasoningOf(item, where));
          return;
        default:
          throw new CallerError('unsupported_parameter', `"${where}" is a "${item.type}" block; text, image, tool_use and tool_result blocks are supported.`, where);
      }
    });
    const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
    const hasImage = parts.some((part) => part.type === 'image');
    if (parts.length === 0 && toolCalls.length === 0) return results.length > 0 ? results : [this.nonEmpty({ role, content: '' }, at)];
    const message: ChatMessage = {
      role,
      content: text,
      ...(hasImage ? { parts } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    };
    return [...results, this.nonEmpty(message, at)];
  }

  private nonEmpty(message: ChatMessage, at: string): ChatMessage {
    if (message.content.trim() === '' && !message.parts && !message.toolCalls) {
      throw new CallerError('invalid_request', `"${at}" is empty: every message needs text.`, at);
    }
    return message;
  }

  private text(item: z.output<typeof block>, at: string): string {
    const text = (item as { text?: unknown }).text;
    if (item.type !== 'text' || typeof text !== 'string') {
      throw new CallerError('invalid_request', `"${at}" must be a text block: {"type": "text", "text": "..."}.`, at);
    }
    return text;
  }

  private toolUse(item: z.output<typeof block>, at: string): ToolCall {
    const { id, name, input } = item as { id?: unknown; name?: unknown; input?: unknown };
    if (typeof id !== 'string' || id === '' || typeof name !== 'string' || typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new CallerError('invalid_request', `"${at}" must be {"type": "tool_use", "id": ..., "name": ..., "input": {...}}.`, at);
    }
    this.called.add(id);
    return { id, name, arguments: JSON.stringify(input) };
  }

  private toolResult(item: z.output<typeof block>, at: string): ChatMessage {
    const { tool_use_id: id, content, is_error: isError } = item as { tool_use_id?: unknown; content?: unknown; is_error?: unknown };
    if (typeof id !== 'string' || !this.called.has(id)) {
      throw new CallerError('invalid_request', `"${at}.tool_use_id" must be the id of a tool_use block in an earlier assistant message.`, `${at}.tool_use_id`);
    }
    let text: string;
    if (content === undefined || typeof content === 'string') text = content ?? '';
    else if (Array.isArray(content)) {
      text = content
        .map((part: z.output<typeof block>, index) => {
          this.noteCacheControl(part);
          if (part.type === 'image') {
            throw new CallerError('unsupported_parameter', `"${at}.content[${index}]": images in tool results are not supported; send them in a user message.`, `${at}.content[${index}]`);
          }
          return this.text(part, `${at}.content[${index}]`);
        })
        .join('\n');
    } else throw new CallerError('invalid_request', `"${at}.content" must be text or a list of text blocks.`, `${at}.content`);
    // Converse and OpenAI have no error flag on a tool result: say it in the text.
    return { role: 'tool', content: isError === true ? `Error: ${text}` : text, toolCallId: id };
  }
}

function reasoningOf(item: z.output<typeof block>, at: string): ReasoningBlock {
  const { thinking, signature, data } = item as { thinking?: unknown; signature?: unknown; data?: unknown };
  if (item.type === 'redacted_thinking' && typeof data === 'string') return { redacted: data };
  if (item.type === 'thinking' && typeof thinking === 'string' && typeof signature === 'string') return { text: thinking, signature };
  throw new CallerError('invalid_request', `"${at}" must be {"type": "thinking", "thinking": ..., "signature": ...} or {"type": "redacted_thinking", "data": ...}, as the model returned it.`, at);
}

function imageUrl(item: z.output<typeof block>, at: string): string {
  const source = (item as { source?: { type?: unknown; media_type?: unknown; data?: unknown; url?: unknown } }).source;
  if (source?.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
    const format = source.media_type.replace(/^image\//, '');
    if (!(IMAGE_FORMATS as readonly string[]).includes(format)) {
      throw new CallerError('invalid_request', `"${at}.source.media_type" is "${source.media_type}"; use image/${IMAGE_FORMATS.join(', image/')}.`, `${at}.source.media_type`);
    }
    return `data:${source.media_type};base64,${source.data}`;
  }
  if (source?.type === 'url' && typeof source.url === 'string' && /^https?:\/\//i.test(source.url)) return source.url;
  throw new CallerError('invalid_request', `"${at}.source" must be {"type": "base64", "media_type": ..., "data": ...} or {"type": "url", "url": "https://..."}.`, `${at}.source`);
}

const STOP_REASONS: Readonly<Record<FinishReason, string>> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

/** Usage as Anthropic counts it: input excludes cached tokens, which are counted apart. */
function anthropicUsage(usage: TokenUsage) {
  return {
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
  };
}

/** A completion as Anthropic's `message` object. */
export function toAnthropicMessage(requestId: string, model: string, completion: Completion) {
  return {
    id: `msg_${requestId.replaceAll('-', '')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(completion.reasoning ?? []).map((block) =>
        'redacted' in block ? { type: 'redacted_thinking', data: block.redacted } : { type: 'thinking', thinking: block.text, signature: block.signature },
      ),
      ...(completion.content !== '' ? [{ type: 'text', text: completion.content }] : []),
      ...(completion.toolCalls ?? []).map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: jsonObject(call.arguments) })),
    ],
    stop_reason: STOP_REASONS[completion.finishReason],
    stop_sequence: null,
    usage: anthropicUsage(completion.usage),
  };
}

/** A model's arguments as an object; text that is not one (a broken model answer) is kept under `arguments`. */
function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through
  }
  return { arguments: text };
}

/**
 * Anthropic's stream: `message_start`, then for each content block its
 * `content_block_start`, deltas (`text_delta`, `input_json_delta`) and
 * `content_block_stop`, then `message_delta` with the stop reason and the
 * usage, and `message_stop`. A broken stream ends with an `error` event.
 */
export function anthropicEventEncoder(options: { readonly requestId: string; readonly model: string; readonly inputTokens: number }): StreamEncoder {
  let open: { readonly index: number; readonly kind: 'text' | 'tool_use' | 'thinking' } | undefined;
  let blocks = 0;
  const toolBlocks = new Map<number, number>();
  const close = () => {
    if (!open) return [];
    const frame = event('content_block_stop', { index: open.index });
    open = undefined;
    return [frame];
  };
  const start = (kind: 'text' | 'tool_use' | 'thinking', contentBlock: Record<string, unknown>) => {
    const frames = close();
    open = { index: blocks, kind };
    blocks += 1;
    return [...frames, event('content_block_start', { index: open.index, content_block: contentBlock })];
  };
  return {
    begin: () => [
      event('message_start', {
        message: {
          id: `msg_${options.requestId.replaceAll('-', '')}`,
          type: 'message',
          role: 'assistant',
          model: options.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The provider reports usage at the end: this is an estimate, which message_delta replaces.
          usage: { input_tokens: options.inputTokens, output_tokens: 0 },
        },
      }),
    ],
    text: (text) => [
      ...(open?.kind === 'text' ? [] : start('text', { type: 'text', text: '' })),
      event('content_block_delta', { index: open!.index, delta: { type: 'text_delta', text } }),
    ],
    thinking: ({ text, signature, redacted }) => {
      const frames: string[] = [];
      if (redacted !== undefined) {
        frames.push(...start('thinking', { type: 'redacted_thinking', data: redacted }), ...close());
      }
      if (text === undefined && signature === undefined) return frames;
      if (open?.kind !== 'thinking') frames.push(...start('thinking', { type: 'thinking', thinking: '', signature: '' }));
      if (text) frames.push(event('content_block_delta', { index: open!.index, delta: { type: 'thinking_delta', thinking: text } }));
      if (signature !== undefined) frames.push(event('content_block_delta', { index: open!.index, delta: { type: 'signature_delta', signature } }), ...close());
      return frames;
    },
    toolCall: (piece) => {
      const frames: string[] = [];
      if (piece.id !== undefined) {
        frames.push(...start('tool_use', { type: 'tool_use', id: piece.id, name: piece.name ?? '', input: {} }));
        toolBlocks.set(piece.index, open!.index);
      }
      const index = toolBlocks.get(piece.index);
      if (index !== undefined && piece.arguments !== '') frames.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece.arguments } }));
      return frames;
    },
    end: (finishReason, usage) => [
      ...close(),
      event('message_delta', { delta: { stop_reason: STOP_REASONS[finishReason], stop_sequence: null }, usage: anthropicUsage(usage) }),
      event('message_stop', {}),
    ],
    fail: (message) => [event('error', { error: { type: 'api_error', message } })],
  };
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Anthropic's error types by HTTP status. */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** The body of an error in Anthropic's envelope: the same status and message as the OpenAI one. */
export function anthropicErrorBody(http: HttpError) {
  const type = ERROR_TYPES[http.status] ?? (http.status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: http.body.error.message } };
}

/** Paths (below the stage) that speak Anthropic's API, so answer its errors in Anthropic's envelope. */
const ANTHROPIC_PATHS = new Set(['/messages', '/messages/count_tokens']);

/** An error's body in the envelope of the API the path belongs to. */
export function errorBodyFor(path: string, http: HttpError): unknown {
  return ANTHROPIC_PATHS.has(path) ? anthropicErrorBody(http) : http.body;
}

/** The flags of an `anthropic-beta` header: comma-separated, as Claude Code sends them. */
export function betasOf(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter(Boolean);
}
