/**
 * Claude's thinking through the Responses API, for clients that keep no state
 * (Codex: `store: false`, `include: ["reasoning.encrypted_content"]`): the
 * blocks leave as a `reasoning` item whose `encrypted_content` is opaque to the
 * client, and come back in it next turn. The content is not encrypted here: it
 * is the caller's own reasoning, and Claude's signatures already refuse any
 * block that was altered. The prefix tells Switchyard's items from other
 * providers' (those are not sent back).
 */
import type { ReasoningBlock } from '../../model/reasoning';

const PREFIX = 'switchyard.v1.';

/** A `reasoning` output item carrying `blocks`; its summary is the thinking text, when Claude showed it. */
export function reasoningItem(id: string, blocks: readonly ReasoningBlock[]) {
  const summary = blocks.flatMap((block) => ('text' in block && block.text !== '' ? [{ type: 'summary_text', text: block.text }] : []));
  return { type: 'reasoning', id, summary, encrypted_content: `${PREFIX}${Buffer.from(JSON.stringify(blocks)).toString('base64url')}` };
}

/** The blocks a `reasoning` input item carries back: none when it is not one of Switchyard's, or was altered. */
export function readReasoningItem(item: Readonly<Record<string, unknown>>): ReasoningBlock[] {
  const content = item['encrypted_content'];
  if (typeof content !== 'string' || !content.startsWith(PREFIX)) return [];
  try {
    const blocks: unknown = JSON.parse(Buffer.from(content.slice(PREFIX.length), 'base64url').toString('utf8'));
    return Array.isArray(blocks) ? blocks.flatMap(reasoningBlockOf) : [];
  } catch {
    return [];
  }
}

/** A block in exactly one of its two shapes, rebuilt from the checked fields alone: anything else is not sent. */
function reasoningBlockOf(value: unknown): ReasoningBlock[] {
  if (typeof value !== 'object' || value === null) return [];
  const { text, signature, redacted } = value as Record<string, unknown>;
  if (typeof redacted === 'string' && text === undefined && signature === undefined) return [{ redacted }];
  if (typeof text === 'string' && typeof signature === 'string' && redacted === undefined) return [{ text, signature }];
  return [];
}
