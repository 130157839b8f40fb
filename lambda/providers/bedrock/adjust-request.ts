/**
 * This folder: the Amazon Bedrock adapter, through the Converse API: one
 * request shape for every model family (Nova, Claude, Llama, Mistral, ...).
 * Split as vercel/ai splits its Bedrock provider: the adapter factory and the
 * client it is given (`bedrock-provider.ts`); chat through Converse and
 * ConverseStream (`chat.ts`), with the messages, the tools, the usage, the
 * finish reasons and the errors each in a file of its own; embeddings through
 * InvokeModel (`embeddings.ts`); and the rules that rewrite requests Bedrock
 * refuses (this file, with Claude's thinking rules in `thinking.ts`).
 *
 * This file: the adapter's `adjust`, requests Bedrock is known to refuse
 * rewritten into ones it takes.
 */
import type { ChatMessage } from '../../core/model/message';
import type { CompletionCall } from '../../core/model/provider';
import { fitThinking } from './thinking';

/** Claude 4.5 and later, in any inference profile. */
const CLAUDE_ONE_SAMPLER = /anthropic\.claude-[a-z]+-(?:4-[5-9]|[5-9])/;

/** Betas that change how Claude answers a Converse request, rather than enabling request fields Converse does not have. */
const CONVERSE_BETAS = /^(?:interleaved-thinking|context-1m|output-128k|token-efficient-tools|fine-grained-tool-streaming|effort|thinking-token-count)-/;

/** What a tool call nobody answered is answered with, so Converse takes the conversation. */
export const MISSING_TOOL_RESULT = 'No result was sent for this call.';

/**
 * Requests Bedrock is known to refuse, rewritten into ones it takes, by rule:
 * - Claude 4.5 and later refuse `temperature` with `top_p`: `top_p` is dropped;
 * - Converse refuses a tool call without a result in the next turn: each
 *   unanswered call gets a result saying none was sent;
 * - Converse takes system text only before the conversation: a system message
 *   within it (Claude Code's per-turn controls) becomes a user turn's text in
 *   its place (after the results of calls it interrupts), marked as the
 *   system's, so the cached prefix before it holds;
 * - earlier reasoning blocks go back only when this call thinks (Claude with
 *   thinking on): any other model refuses them;
 * - Converse carries only the request fields it has, so a beta that enables a
 *   field it does not carry (per-turn controls, context management, deferred
 *   tools, ...) is not sent: only those that change how Claude answers are.
 * (OpenAI's `developer` role is already a system message, and tool names are
 * checked at the edge against the pattern Converse also uses.)
 */
export function fitForBedrock(call: Omit<CompletionCall, 'signal'>): { call: Omit<CompletionCall, 'signal'>; adjusted: string[] } {
  const adjusted: string[] = [];
  let fitted = call;
  const betas = fitted.betas.filter((flag) => CONVERSE_BETAS.test(flag));
  if (betas.length < fitted.betas.length) {
    adjusted.push(`anthropic-beta ${fitted.betas.filter((flag) => !betas.includes(flag)).join(',')} not sent (Converse has none of the fields they enable)`);
    fitted = { ...fitted, betas };
  }
  if (fitted.promptCacheKey !== undefined) {
    fitted = { ...fitted, promptCacheKey: undefined };
    adjusted.push(`prompt_cache_key not sent (Bedrock takes none${fitted.cachePrompt ? '; the prompt prefix is marked for caching instead' : ''})`);
  }
  if (fitted.reasoning !== undefined) {
    const thinking = fitThinking(fitted);
    fitted = thinking.call;
    adjusted.push(...thinking.adjusted);
  }
  if (fitted.temperature !== undefined && fitted.topP !== undefined && CLAUDE_ONE_SAMPLER.test(fitted.model.providerModelId)) {
    fitted = { ...fitted, topP: undefined };
    adjusted.push('top_p dropped (Claude 4.5 takes temperature or top_p)');
  }
  // Reasoning goes back only to Claude thinking now: another model, or Claude with thinking off, refuses the blocks.
  if (fitted.reasoning === undefined && fitted.messages.some((message) => message.reasoning?.length)) {
    fitted = { ...fitted, messages: fitted.messages.map(({ reasoning: _blocks, ...message }) => message) };
    adjusted.push('earlier reasoning blocks not sent (no thinking on this call)');
  }
  const systemTurns = systemTurnsAsUserText(fitted.messages);
  if (systemTurns.moved > 0) {
    fitted = { ...fitted, messages: systemTurns.messages };
    adjusted.push(`${systemTurns.moved} mid-conversation system message(s) sent as user text`);
  }
  // Each turn's missing results go with the results it got: after them, or right after the calls.
  const source = fitted.messages;
  const messages: ChatMessage[] = [];
  const unanswered: string[] = [];
  for (let index = 0; index < source.length; ) {
    const message = source[index]!;
    messages.push(message);
    index += 1;
    // A turn of calls that ends the conversation is not answered yet: nothing is missing.
    if (!message.toolCalls || index === source.length) continue;
    const answered = new Set<string>();
    for (; source[index]?.role === 'tool'; index += 1) {
      answered.add(source[index]!.toolCallId!);
      messages.push(source[index]!);
    }
    for (const toolCall of message.toolCalls.filter((call) => !answered.has(call.id))) {
      unanswered.push(toolCall.id);
      messages.push({ role: 'tool', content: MISSING_TOOL_RESULT, toolCallId: toolCall.id });
    }
  }
  if (unanswered.length > 0) {
    fitted = { ...fitted, messages };
    adjusted.push(`empty results added for unanswered tool calls ${unanswered.join(' ')}`);
  }
  return { call: fitted, adjusted };
}

/**
 * System messages after the conversation began, as marked user text in their
 * place; one that came between tool calls and their results waits until after
 * the results, which Converse wants right after the calls.
 */
function systemTurnsAsUserText(source: readonly ChatMessage[]): { messages: ChatMessage[]; moved: number } {
  const firstTurn = source.findIndex((message) => message.role !== 'system');
  if (firstTurn === -1) return { messages: [...source], moved: 0 };
  const messages = source.slice(0, firstTurn);
  let held: ChatMessage[] = [];
  let moved = 0;
  for (const message of source.slice(firstTurn)) {
    if (message.role === 'system') {
      moved += 1;
      held.push({ role: 'user', content: `<system-message>\n${message.content}\n</system-message>` });
      continue;
    }
    const previous = messages.at(-1);
    const inResults = message.role === 'tool' && (previous?.role === 'tool' || previous?.toolCalls !== undefined);
    if (!inResults) {
      messages.push(...held);
      held = [];
    }
    messages.push(message);
  }
  return { messages: [...messages, ...held], moved };
}
