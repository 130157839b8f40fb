/**
 * What a chat carries beyond plain text, provider-neutral: tools the model may
 * call, the calls it made, and images. Parsed and checked once at the edge
 * (`chat-request.ts`); each adapter maps them to its provider's wire format.
 */

/** A function the model may call, as OpenAI's `tools[].function` declares it. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string | undefined;
  /** A JSON Schema for the arguments (an object schema). */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  readonly strict?: boolean | undefined;
}

/** OpenAI's `tool_choice`: let the model decide, forbid calls, require one, or require one tool by name. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A call the model made: `arguments` is the JSON text of an object, as the model wrote it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** How hard the model should think before answering: OpenAI's effort, or Anthropic's token budget. */
export interface ReasoningRequest {
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high' | undefined;
  readonly budgetTokens?: number | undefined;
}

/**
 * A model's reasoning, as Claude returns it: readable text with a signature
 * that proves it unaltered, or an encrypted block. Sent back with the turn
 * that produced it, Claude can go on thinking through tool calls.
 */
export type ReasoningBlock = { readonly text: string; readonly signature: string } | { readonly redacted: string };

/** Streamed reasoning pieces assembled into blocks: text accumulates until a signature closes it. */
export function reasoningCollector() {
  const blocks: ReasoningBlock[] = [];
  let text = '';
  return {
    add(piece: { readonly text?: string | undefined; readonly signature?: string | undefined; readonly redacted?: string | undefined }): void {
      if (piece.redacted !== undefined) blocks.push({ redacted: piece.redacted });
      if (piece.text !== undefined) text += piece.text;
      if (piece.signature !== undefined) {
        blocks.push({ text, signature: piece.signature });
        text = '';
      }
    },
    blocks: (): ReasoningBlock[] => [...blocks],
  };
}

/** An image in a user message: a `data:` URL (any provider) or an `http(s)` URL (providers that fetch it themselves). */
export interface ImageInput {
  readonly url: string;
  readonly detail?: 'auto' | 'low' | 'high' | undefined;
}

export type ContentPart = { readonly type: 'text'; readonly text: string } | { readonly type: 'image'; readonly image: ImageInput };

/** The image formats every vision provider here accepts (Bedrock Converse's list). */
export const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const DATA_URL = /^data:image\/(png|jpe?g|gif|webp);base64,([A-Za-z0-9+/]+={0,2})$/;

/** A base64 `data:` URL's format and bytes; `undefined` for anything else (an `https` URL, a malformed one). */
export function decodeDataUrl(url: string): { readonly format: ImageFormat; readonly bytes: Uint8Array } | undefined {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const format = match[1] === 'jpg' ? 'jpeg' : (match[1] as ImageFormat);
  return { format, bytes: Buffer.from(match[2]!, 'base64') };
}

/** Whether an image must be fetched from the web by the provider: not a `data:` URL. */
export function isRemoteImage(image: ImageInput): boolean {
  return !image.url.startsWith('data:');
}
