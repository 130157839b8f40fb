/**
 * Responses input items as chat messages, by rule:
 * - `message` items by role (`developer` is a system message);
 * - `function_call` and `custom_tool_call` join the assistant turn before them
 *   (or start one); a namespaced call is the flattened function it was offered as;
 * - `function_call_output` and `custom_tool_call_output` are tool messages, their
 *   text parts joined;
 * - a `reasoning` item Switchyard returned (its opaque `encrypted_content`) goes
 *   back with the assistant turn after it, so Claude goes on thinking through a
 *   tool loop; other providers' reasoning items are not sent back;
 * - an `additional_tools` item offers its tools like `tools` does;
 * - any other item (a hosted tool's call or output, a compaction marker) is not
 *   sent, and is named in `x-switchyard-dropped-params`.
 */
import { CallerError } from '../../base/errors';
import type { ChatMessage, ContentPart } from '../../model/message';
import type { ReasoningBlock } from '../../model/reasoning';
import type { ToolCall } from '../../model/tool';
import { notSentNote } from '../shared/not-sent';
import { checkedImageUrl, requireContent } from '../shared/request-checks';
import { readReasoningItem } from './reasoning-items';
import { flatName, readTools, type ReadTools } from './read-tools';

export interface ReadItems {
  readonly messages: ChatMessage[];
  /** Tools from `additional_tools` items. */
  readonly offered: ReadTools;
  /** Item types not sent, as `input[].<type>`. */
  readonly droppedItems: string[];
}

type Item = Readonly<Record<string, unknown>>;

export function readItems(items: readonly Item[]): ReadItems {
  const read: ReadItems = { messages: [], offered: { tools: [], dropped: [] }, droppedItems: [] };
  const called = new Set<string>();
  let reasoning: ReasoningBlock[] = [];
  /**
   * Adds a call to the assistant turn before it, or starts one, with the reasoning that preceded it:
   * one turn's reasoning goes first in it, as Claude wrote it, even when it thought between calls.
   */
  const addCall = (call: ToolCall) => {
    called.add(call.id);
    const previous = read.messages.at(-1);
    if (previous?.role === 'assistant') {
      const blocks = [...(previous.reasoning ?? []), ...reasoning];
      read.messages[read.messages.length - 1] = { ...previous, toolCalls: [...(previous.toolCalls ?? []), call], ...withReasoning(blocks) };
    } else {
      read.messages.push({ role: 'assistant', content: '', toolCalls: [call], ...withReasoning(reasoning) });
    }
    reasoning = [];
  };
  items.forEach((item, index) => {
    const at = `input[${index}]`;
    const type = item['type'] ?? 'message';
    switch (type) {
      case 'message': {
        const message = messageOf(item, at, (type) => {
          const name = `input[].content[].${type}`;
          if (!read.droppedItems.includes(name)) read.droppedItems.push(name);
        });
        read.messages.push(message.role === 'assistant' ? { ...message, ...withReasoning(reasoning) } : message);
        // Reasoning belongs to the assistant turn right after it: past any other message, it is stale.
        reasoning = [];
        return;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const { call_id: id, name, namespace } = item;
        const input = type === 'function_call' ? item['arguments'] : item['input'];
        if (typeof id !== 'string' || typeof name !== 'string' || typeof input !== 'string' || (namespace != null && typeof namespace !== 'string')) {
          const field = type === 'function_call' ? '"arguments": "..."' : '"input": "..."';
          throw new CallerError('invalid_request', `"${at}" must be {"type": "${type}", "call_id": ..., "name": ..., ${field}}.`, at);
        }
        const flat = typeof namespace === 'string' ? flatName(namespace, name) : name;
        addCall({ id, name: flat, arguments: type === 'function_call' ? input : JSON.stringify({ input }) });
        return;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const id = item['call_id'];
        if (typeof id !== 'string' || !called.has(id)) {
          throw new CallerError('invalid_request', `"${at}.call_id" must be the call_id of an earlier function_call or custom_tool_call item.`, `${at}.call_id`);
        }
        read.messages.push({ role: 'tool', content: outputText(item['output']), toolCallId: id });
        reasoning = [];
        return;
      }
      case 'reasoning':
        reasoning.push(...readReasoningItem(item));
        return;
      case 'additional_tools': {
        const tools = item['tools'];
        if (!Array.isArray(tools)) throw new CallerError('invalid_request', `"${at}.tools" must be a list of tools.`, `${at}.tools`);
        const offered = readTools(tools, `${at}.tools`);
        read.offered.tools.push(...offered.tools);
        read.offered.dropped.push(...offered.dropped);
        return;
      }
      default:
        if (typeof type !== 'string') throw new CallerError('invalid_request', `"${at}.type" must be an item type such as "message".`, `${at}.type`);
        if (!read.droppedItems.includes(`input[].${type}`)) read.droppedItems.push(`input[].${type}`);
    }
  });
  return read;
}

const withReasoning = (blocks: readonly ReasoningBlock[]) => (blocks.length > 0 ? { reasoning: [...blocks] } : {});

/** A tool's output: text, or a list of parts whose text is joined (an image part is named, not sent). */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return JSON.stringify(output ?? '');
  return output
    .map((part: unknown) => {
      const { type, text } = (typeof part === 'object' && part !== null ? part : {}) as Record<string, unknown>;
      if (typeof text === 'string') return text;
      return type === 'input_image' ? '[image]' : JSON.stringify(part);
    })
    .join('\n');
}

/** A message item; a part no model here takes (a file, a refusal) is `dropped` and a note stands in its place. */
function messageOf(fields: Item, at: string, dropped: (type: string) => void): ChatMessage {
  const role = fields['role'] === 'developer' ? 'system' : fields['role'];
  if (role !== 'user' && role !== 'assistant' && role !== 'system') {
    throw new CallerError('invalid_request', `"${at}.role" must be one of "user", "assistant", "system", "developer".`, `${at}.role`);
  }
  const content = fields['content'];
  if (typeof content === 'string') return requireContent({ role, content }, `${at}.content`);
  if (!Array.isArray(content)) throw new CallerError('invalid_request', `"${at}.content" must be text or a list of content parts.`, `${at}.content`);
  const parts = content.map((entry: unknown, index): ContentPart => {
    const where = `${at}.content[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new CallerError('invalid_request', `"${where}" must be a content part object with a "type".`, where);
    const part = entry as Record<string, unknown>;
    if ((part['type'] === 'input_text' || part['type'] === 'output_text') && typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
    if (part['type'] === 'input_image' && role === 'user') {
      // Anything but text fails the same check, with the same message.
      const url = checkedImageUrl(typeof part['image_url'] === 'string' ? part['image_url'] : '', `${where}.image_url`);
      const detail = part['detail'];
      return { type: 'image', image: { url, detail: detail === 'low' || detail === 'high' || detail === 'auto' ? detail : undefined } };
    }
    if (typeof part['type'] !== 'string' || part['type'] === 'input_image') {
      throw new CallerError('unsupported_parameter', `"${where}" is a "${String(part['type'])}" part; input_text, output_text and (from users) input_image parts are supported.`, where);
    }
    dropped(part['type']);
    return { type: 'text', text: notSentNote('part', part['type']) };
  });
  const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
  return requireContent({ role, content: text, ...(parts.some((part) => part.type === 'image') ? { parts } : {}) }, `${at}.content`);
}
