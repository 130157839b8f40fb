/**
 * The checks every surface makes the same way, written once: tool names and
 * their uniqueness, a named tool choice, image URLs, and the policy's limits
 * on messages and output. Each surface says where a field sits in its own
 * request (`params`), so the refusal names the caller's own field.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import { decodeDataUrl, IMAGE_FORMATS } from '../../content/images';
import type { ChatRequest } from '../../model/chat-request';
import type { ChatMessage } from '../../model/message';
import type { ToolChoice, ToolDefinition } from '../../model/tool';
import type { Limits } from '../../../policy/policy';
import { clip } from './invalid-field';

/** OpenAI's own rule for function and JSON-schema names, which Anthropic's tool names follow too. */
export const toolNameSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"'));

/** OpenAI's and Anthropic's limit on tools per request. */
export const MAX_TOOLS = 128;

/** OpenAI's limits on `metadata`, on chat completions and Responses alike. */
const MAX_METADATA_PAIRS = 16;
const MAX_METADATA_KEY_LENGTH = 64;
const MAX_METADATA_VALUE_LENGTH = 512;

/** OpenAI's `metadata`: at most 16 pairs of short keys and values. */
export const metadataSchema = z.nullish(
  z
    .record(z.string().check(z.maxLength(MAX_METADATA_KEY_LENGTH)), z.union([z.string().check(z.maxLength(MAX_METADATA_VALUE_LENGTH)), z.number()]))
    .check(z.refine((pairs) => Object.keys(pairs).length <= MAX_METADATA_PAIRS, `may have at most ${MAX_METADATA_PAIRS} pairs`)),
);

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


/**
 * An image URL a provider can take: an http(s) URL, or a base64 `data:` URL
 * of a format every vision provider here reads. @throws CallerError naming `param`
 */
export function checkedImageUrl(url: string, param: string): string {
  if (/^https?:\/\//i.test(url) || decodeDataUrl(url)) return url;
  throw new CallerError(
    'invalid_request',
    `"${param}" must be an https URL or a base64 data URL of a ${IMAGE_FORMATS.join(', ')} image (data:image/png;base64,...).`,
    param,
  );
}

/** The policy's limit on messages; `param` is the surface's own field. */
export function checkMessageCount(count: number, limits: Limits, param: string): void {
  if (count > limits.maxMessages) {
    throw new CallerError('invalid_request', `"${param}" has ${count} messages; the limit is ${limits.maxMessages}.`, param);
  }
}

/** The policy's cap on output tokens, on the surfaces that refuse more (Anthropic's lowers it instead: see its parser). */
export function checkOutputTokens(asked: number | null | undefined, limits: Limits, param: string): void {
  if (asked != null && limits.maxTokens !== undefined && asked > limits.maxTokens) {
    throw new CallerError('invalid_request', `"${param}" is ${asked}; the limit is ${limits.maxTokens}.`, param);
  }
}

/** A message with something in it: text, an image or a tool call. @throws CallerError naming `param` */
export function requireContent<M extends ChatMessage>(message: M, param: string): M {
  if (message.content.trim() === '' && !message.parts && !message.toolCalls?.length) {
    throw new CallerError('invalid_request', `"${param}" is empty: every message needs text.`, param);
  }
  return message;
}
