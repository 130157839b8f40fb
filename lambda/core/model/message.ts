/** One turn of a conversation. */
import type { ReasoningBlock } from './reasoning';
import type { ToolCall } from './tool';

/** Who speaks a turn. Surfaces map their own roles here (OpenAI's `developer` is `system`). */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** An image in a user message: a `data:` URL (any provider) or an `http(s)` URL (providers that fetch it themselves). */
export interface ImageInput {
  readonly url: string;
  readonly detail?: 'auto' | 'low' | 'high' | undefined;
}

/** A piece of a user message: text, or an image. */
export type ContentPart = { readonly type: 'text'; readonly text: string } | { readonly type: 'image'; readonly image: ImageInput };

/**
 * One message. Contract: `content` is always the whole text, so a reader that
 * wants only text (the classifier, the token estimate) never looks at `parts`.
 */
export interface ChatMessage {
  readonly role: ChatRole;
  /** The message's text: its text parts joined by newlines; '' for an assistant turn that only calls tools. */
  readonly content: string;
  /** A user message with images: its text and image parts in order (`content` still holds the text). */
  readonly parts?: readonly ContentPart[] | undefined;
  /** An assistant message: the tools it called. */
  readonly toolCalls?: readonly ToolCall[] | undefined;
  /** An assistant message: the reasoning it began with, to send back as it came (Anthropic's thinking blocks). */
  readonly reasoning?: readonly ReasoningBlock[] | undefined;
  /** A tool message: the id of the call whose result it carries. */
  readonly toolCallId?: string | undefined;
}
