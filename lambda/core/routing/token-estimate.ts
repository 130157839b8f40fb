/**
 * Token counts before any provider has counted them. Two numbers, each for
 * its own use:
 * - {@link estimateTokens}, a typical count: for routing decisions and
 *   context-window checks, and for the mock provider's usage;
 * - {@link maxInputTokens}, a bound no tokenizer exceeds: for what a `block`
 *   budget reserves and what `POST /v1/route` quotes as the most a call can cost.
 */

import type { ToolDefinition } from '../model/tool';
import type { ChatMessage } from '../model/message';

type Prompt = Pick<ChatMessage, 'content' | 'parts' | 'toolCalls' | 'toolCallId'>;

/** Tokens of framing (role, separators) each message adds, at most. */
const MESSAGE_FRAMING_TOKENS = 8;

/**
 * An image's tokens. Providers count them from its pixels, which are not read here: a typical
 * count (Claude's ~1,600 for a 1.15-megapixel image, the size it scales larger ones down to), and
 * a bound above every vision model in the default policy (OpenAI's patch-based models stop near 2,500).
 */
export const IMAGE_TOKEN_ESTIMATE = 1_600;
export const IMAGE_TOKEN_BOUND = 3_000;

/**
 * Roughly four characters a token for English text and code, plus a little framing per message.
 * Tool definitions and calls count as the JSON text the provider is sent.
 */
export function estimateTokens(messages: readonly Prompt[], tools: readonly ToolDefinition[] = []): number {
  let characters = toolsText(tools).length;
  let images = 0;
  for (const message of messages) {
    characters += message.content.length + extraText(message).length;
    images += imageCount(message);
  }
  return Math.ceil(characters / 4) + (MESSAGE_FRAMING_TOKENS / 2) * messages.length + images * IMAGE_TOKEN_ESTIMATE;
}

/** A typical count for text a model wrote: what a stream that reported no usage is charged for. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Every UTF-8 byte as a token (no tokenizer yields more tokens than bytes), plus the framing. */
export function maxInputTokens(messages: readonly Prompt[], tools: readonly ToolDefinition[] = []): number {
  let bytes = Buffer.byteLength(toolsText(tools), 'utf8');
  for (const message of messages) {
    bytes += Buffer.byteLength(message.content, 'utf8') + Buffer.byteLength(extraText(message), 'utf8') + MESSAGE_FRAMING_TOKENS;
    bytes += imageCount(message) * IMAGE_TOKEN_BOUND;
  }
  return bytes;
}

function toolsText(tools: readonly ToolDefinition[]): string {
  return tools.length === 0 ? '' : JSON.stringify(tools);
}

/** What a message sends besides its text: its tool calls, or the id of the call it answers. */
function extraText(message: Prompt): string {
  let text = message.toolCallId ?? '';
  for (const call of message.toolCalls ?? []) text += call.id + call.name + call.arguments;
  return text;
}

function imageCount(message: Prompt): number {
  let count = 0;
  for (const part of message.parts ?? []) if (part.type === 'image') count += 1;
  return count;
}

/** The mock provider's answers run about three words to four tokens. */
export const WORDS_PER_TOKEN = 0.75;
