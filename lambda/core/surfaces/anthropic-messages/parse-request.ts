/**
 * Anthropic's Messages request (`POST /v1/messages`, and
 * `/v1/messages/count_tokens` without `max_tokens`), as Claude Code and the
 * Anthropic SDKs send it, parsed into the provider-neutral {@link ChatRequest}.
 * Routing, pricing and the ledger are the same as for chat completions; only
 * the wire format differs.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import { IMAGE_FORMATS } from '../../content/images';
import { isAnthropicServerTool } from '../../content/server-tools';
import type { ChatRequest } from '../../model/chat-request';
import type { ChatMessage, ContentPart } from '../../model/message';
import type { ReasoningBlock } from '../../model/reasoning';
import type { ToolCall, ToolChoice, ToolDefinition } from '../../model/tool';
import type { Limits } from '../../../policy/policy';
import { notSentNote } from '../shared/not-sent';
import { readRequestBody } from '../shared/read-body';
import { checkedImageUrl, checkedTools, checkMessageCount, MAX_TOOLS, requireContent, toolNameSchema } from '../shared/request-checks';

/** `output_config.effort`, and the reasoning effort each is read as on the paths that only take OpenAI's three. */
const EFFORTS = ['low', 'medium', 'high', 'max'] as const;
const REASONING_EFFORT: Readonly<Record<(typeof EFFORTS)[number], 'low' | 'medium' | 'high'>> = { low: 'low', medium: 'medium', high: 'high', max: 'high' };

const block = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(block)]);

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: a Claude model name such as "claude-sonnet-4-5", "auto", or a model id from GET /v1/models')),
  max_tokens: z.optional(z.int().check(z.positive())),
  // Claude Code sends `system` turns mid-conversation (per-turn controls).
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant', 'system']), content })).check(z.minLength(1, 'must contain at least one message')),
  system: z.optional(content),
  stop_sequences: z.optional(z.array(z.string())),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  stream: z.optional(z.boolean()),
  tools: z.optional(
    z
      .array(
        z.looseObject({
          name: toolNameSchema,
          type: z.optional(z.string()),
          description: z.optional(z.string()),
          input_schema: z.optional(z.record(z.string(), z.unknown())),
        }),
      )
      .check(z.maxLength(MAX_TOOLS)),
  ),
  tool_choice: z.optional(
    z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.optional(z.string()), disable_parallel_tool_use: z.optional(z.boolean()) }),
  ),
  thinking: z.optional(
    z.looseObject({
      type: z.enum(['enabled', 'adaptive', 'disabled']),
      budget_tokens: z.optional(z.int().check(z.gte(1024, 'must be at least 1024'))),
      display: z.optional(z.string()),
    }),
  ),
  output_config: z.optional(
    z.looseObject({
      effort: z.optional(z.enum(EFFORTS)),
      format: z.optional(z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) })),
    }),
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
  const { data: request, dropped } = readRequestBody(body, limits, bodySchema, {
    expects: options.requireMaxTokens === false ? '"model" and "messages"' : '"model", "max_tokens" and "messages"',
    refused: REFUSED,
  });
  if (request.max_tokens === undefined && options.requireMaxTokens !== false) {
    throw new CallerError('invalid_request', '"max_tokens" is required (expected a positive integer).', 'max_tokens');
  }
  checkMessageCount(request.messages.length, limits, 'messages');
  const adjusted: string[] = [];
  let maxTokens = request.max_tokens;
  if (maxTokens !== undefined && limits.maxTokens !== undefined && maxTokens > limits.maxTokens) {
    adjusted.push(`max_tokens ${maxTokens}->${limits.maxTokens}`);
    maxTokens = limits.maxTokens;
  }
  const thinking = request.thinking;
  if (thinking?.type === 'enabled' && thinking.budget_tokens === undefined) {
    throw new CallerError('invalid_request', '"thinking.budget_tokens" is required with "type": "enabled" (at least 1024); or send {"type": "adaptive"}.', 'thinking.budget_tokens');
  }
  const effort = request.output_config?.effort;
  const format = request.output_config?.format;

  const reader = new BlockReader();
  const system = request.system === undefined ? [] : [{ role: 'system' as const, content: reader.systemText(request.system) }];
  const messages = request.messages.flatMap((message, index) => reader.message(message.role, message.content, `messages[${index}].content`));
  // Server tools (web search, code execution, ...) run at Anthropic, not on any model here: dropped and named.
  const droppedTools = (request.tools ?? []).filter((tool) => isAnthropicServerTool(tool.type)).map((tool) => tool.type!);
  // Anthropic-defined client tools (bash, text editor, memory, computer) have no schema to send elsewhere:
  // only Claude's own Messages API takes them, so the translated path names them as dropped.
  const anthropicDefined = (request.tools ?? []).filter((tool) => tool.type !== undefined && tool.type !== 'custom' && !isAnthropicServerTool(tool.type));
  const tools = (request.tools ?? []).filter((tool) => tool.type === undefined || tool.type === 'custom').map((tool): ToolDefinition => {
    reader.noteCacheControl(tool);
    return { name: tool.name, description: tool.description, parameters: tool.input_schema };
  });
  // Offered only tools that are dropped here: the choice among them goes too, rather than refusing the request.
  const noneLeft = tools.length === 0 && (request.tools ?? []).length > 0;
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
    dropped: [
      ...dropped,
      ...nestedDropped(request),
      ...anthropicDefined.map((tool) => `tools[].${tool.type}`),
      ...reader.dropped,
      ...(noneLeft && request.tool_choice !== undefined ? ['tool_choice'] : []),
    ].sort(),
    droppedTools,
    responseFormat: format ? { type: 'json_schema', jsonSchema: { name: 'output', schema: format.schema, strict: true } } : { type: 'text' },
    ...toolChoiceOf(noneLeft ? undefined : request.tool_choice, tools),
    cachePrompt: reader.cacheRequested,
    adjusted,
    ...reasoningRequestOf(thinking, effort),
    anthropicBody: request,
  };
}

/**
 * Thinking as the provider-neutral reasoning request: a budget as sent; adaptive
 * thinking (the model decides how much) at `output_config.effort`, medium when
 * none; `effort` alone asks for no thinking (on Claude it also shortens the answer).
 */
function reasoningRequestOf(
  thinking: z.output<typeof bodySchema>['thinking'],
  effort: (typeof EFFORTS)[number] | undefined,
): Pick<ChatRequest, 'reasoning'> {
  if (thinking?.type === 'enabled') return { reasoning: { budgetTokens: thinking.budget_tokens } };
  if (thinking?.type === 'adaptive') return { reasoning: { effort: REASONING_EFFORT[effort ?? 'medium'] } };
  return {};
}

/**
 * Fields inside the request that only Claude's own Messages API carries: on any
 * other path they are not sent, and are named with the top-level ones.
 */
function nestedDropped(request: z.output<typeof bodySchema>): string[] {
  const thinking = request.thinking?.type;
  return [
    ...(request.thinking?.display !== undefined ? ['thinking.display'] : []),
    // Effort is read as the reasoning effort of adaptive thinking; alone, it has nowhere to go.
    ...(request.output_config?.effort !== undefined && thinking !== 'adaptive' ? ['output_config.effort'] : []),
    ...(request.messages.some((message) => 'output_config' in message) ? ['messages[].output_config'] : []),
    ...((request.tools ?? []).some((tool) => 'defer_loading' in tool) ? ['tools[].defer_loading'] : []),
  ];
}

function toolChoiceOf(
  choice: z.output<typeof bodySchema>['tool_choice'],
  tools: readonly ToolDefinition[],
): Pick<ChatRequest, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  // Anthropic's "none" only forbids calls, so it is allowed without tools.
  if (tools.length === 0 && choice?.type === 'none') return { tools, toolChoice: undefined, parallelToolCalls: undefined };
  const toolChoice: ToolChoice | undefined = choice?.type === 'any' ? 'required' : choice?.type === 'tool' ? { name: choice.name ?? '' } : choice?.type;
  return checkedTools(tools, toolChoice, choice?.disable_parallel_tool_use === true ? false : undefined, {
    name: (index) => `tools[${index}].name`,
    choiceName: 'tool_choice.name',
  });
}

/**
 * Reads content blocks into chat messages, remembering the tool calls seen (a
 * result must answer one) and whether any block asked for caching.
 */
class BlockReader {
  cacheRequested = false;
  private readonly called = new Set<string>();

  /** Blocks the translated request does not carry, as `messages[].content[].<type>`: named in `x-switchyard-dropped-params`. */
  readonly dropped = new Set<string>();

  /** The note that stands in for a block not sent, so the turn keeps its place and the model knows something was there. */
  notSent(type: string, name: string): string {
    this.dropped.add(name);
    return notSentNote('block', type);
  }

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
  message(role: 'user' | 'assistant' | 'system', content: string | readonly z.output<typeof block>[], at: string): ChatMessage[] {
    if (typeof content === 'string') return [requireContent({ role, content }, at)];
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
          // A document, a search result, a server tool's block: Claude's own API takes it as sent; elsewhere a note stands in.
          parts.push({ type: 'text', text: this.notSent(item.type, `messages[].content[].${item.type}`) });
      }
    });
    const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
    const hasImage = parts.some((part) => part.type === 'image');
    if (parts.length === 0 && toolCalls.length === 0) return results.length > 0 ? results : [requireContent({ role, content: '' }, at)];
    const message: ChatMessage = {
      role,
      content: text,
      ...(hasImage ? { parts } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(reasoning.length > 0 ? { reasoning } : {}),
    };
    return [...results, requireContent(message, at)];
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
          if (typeof part !== 'object' || part === null) throw new CallerError('invalid_request', `"${at}.content[${index}]" must be a content block.`, `${at}.content[${index}]`);
          this.noteCacheControl(part);
          // An image a tool returned (Claude Code's Read on a screenshot), a document: as sent to Claude's own API; a note elsewhere.
          if (part.type !== 'text') return this.notSent(part.type, `messages[].content[].tool_result.${part.type}`);
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
    if (!source.media_type.startsWith('image/') || !(IMAGE_FORMATS as readonly string[]).includes(format)) {
      throw new CallerError('invalid_request', `"${at}.source.media_type" is "${source.media_type}"; use image/${IMAGE_FORMATS.join(', image/')}.`, `${at}.source.media_type`);
    }
    return checkedImageUrl(`data:${source.media_type};base64,${source.data}`, `${at}.source.data`);
  }
  // A URL source names an image on the web; bytes come as a base64 source.
  if (source?.type === 'url' && typeof source.url === 'string' && !source.url.startsWith('data:')) return checkedImageUrl(source.url, `${at}.source.url`);
  throw new CallerError('invalid_request', `"${at}.source" must be {"type": "base64", "media_type": ..., "data": ...} or {"type": "url", "url": "https://..."}.`, `${at}.source`);
}

/** The flags of an `anthropic-beta` header: comma-separated, as Claude Code sends them. */
export function betasOf(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter(Boolean);
}
