/** A conversation as OpenAI's request messages. */
import type { ChatMessage } from '../../core/model/message';
import type { ToolCall } from '../../core/model/tool';

/** A message in OpenAI's request shape: images as `image_url` parts, tool calls and results as OpenAI sends them. */
export function wireMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  const content = message.parts
    ? message.parts.map((part) => (part.type === 'text' ? part : { type: 'image_url', image_url: { url: part.image.url, detail: part.image.detail } }))
    : message.content;
  if (!message.toolCalls) return { role: message.role, content };
  return { role: message.role, content: message.content === '' ? null : content, tool_calls: message.toolCalls.map(wireToolCall) };
}

/** A tool call in OpenAI's request shape. The chat surface writes the same shape in its answers, but a provider reads no surface. */
function wireToolCall(call: ToolCall) {
  return { id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } };
}
