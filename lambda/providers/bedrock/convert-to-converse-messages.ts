/** A conversation as Converse's messages: turns, tool calls and results, reasoning blocks and images. */
import type { ContentBlock, ImageFormat as BedrockImageFormat, Message } from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import { decodeDataUrl } from '../../core/content/images';
import type { ContentPart, ChatMessage } from '../../core/model/message';

/**
 * Converse wants user/assistant turns only, alternating: a tool result is a
 * `toolResult` block in a user turn, and neighbours of one role are merged.
 */
export function toConverseMessages(messages: readonly ChatMessage[]): Message[] {
  const turns: Message[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = contentBlocksOf(message);
    const previous = turns[turns.length - 1];
    if (previous?.role === role) previous.content!.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  return turns;
}

function contentBlocksOf(message: ChatMessage): ContentBlock[] {
  if (message.role === 'tool') {
    return [{ toolResult: { toolUseId: message.toolCallId, content: message.content === '' ? [] : [{ text: message.content }] } }];
  }
  // The turn's reasoning goes back first, as it came, so Claude can go on thinking through tool calls.
  const blocks: ContentBlock[] = (message.reasoning ?? []).map((block) =>
    'redacted' in block
      ? { reasoningContent: { redactedContent: Buffer.from(block.redacted, 'base64') } }
      : { reasoningContent: { reasoningText: { text: block.text, signature: block.signature } } },
  );
  blocks.push(...(message.parts ? message.parts.map(partBlock) : message.content === '' ? [] : [{ text: message.content }]));
  for (const call of message.toolCalls ?? []) {
    blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: JSON.parse(call.arguments) as DocumentType } });
  }
  return blocks;
}

/** Converse takes image bytes, not URLs: routing sends images by URL only to providers that fetch them. */
function partBlock(part: ContentPart): ContentBlock {
  if (part.type === 'text') return { text: part.text };
  const image = decodeDataUrl(part.image.url);
  if (!image) throw new TypeError('Bedrock Converse takes images as data URLs only');
  return { image: { format: image.format as BedrockImageFormat, source: { bytes: image.bytes } } };
}
