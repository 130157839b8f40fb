/**
 * Token counts before any provider has counted them. Two numbers, each for
 * its own use:
 * - {@link estimateTokens}, a typical count: for routing decisions and
 *   context-window checks, and for the mock provider's usage;
 * - {@link maxInputTokens}, a bound no tokenizer exceeds: for what a `block`
 *   budget reserves and what `POST /v1/route` quotes as the most a call can cost.
 */

interface Text {
  readonly content: string;
}

/** Tokens of framing (role, separators) each message adds, at most. */
const MESSAGE_FRAMING_TOKENS = 8;

/** Roughly four characters a token for English text and code, plus a little framing per message. */
export function estimateTokens(messages: readonly Text[]): number {
  let characters = 0;
  for (const message of messages) characters += message.content.length;
  return Math.ceil(characters / 4) + (MESSAGE_FRAMING_TOKENS / 2) * messages.length;
}

/** A typical count for text a model wrote: what a stream that reported no usage is charged for. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Every UTF-8 byte as a token (no tokenizer yields more tokens than bytes), plus the framing. */
export function maxInputTokens(messages: readonly Text[]): number {
  let bytes = 0;
  for (const message of messages) bytes += Buffer.byteLength(message.content, 'utf8') + MESSAGE_FRAMING_TOKENS;
  return bytes;
}

/** The mock provider's answers run about three words to four tokens. */
export const WORDS_PER_TOKEN = 0.75;
