/**
 * Routing (this folder): the tier decision, its classifiers and the chain of
 * models it picks. This file: what a conversation asks, read the way a person would: the latest human
 * request (not the context a coding agent wraps around it), the system
 * prompt only when it is short enough to be the caller's instruction rather
 * than a client's fixed boilerplate, and the state of the work since that
 * request (reading, running, editing code), from the tool calls that follow it.
 */
import type { ChatMessage } from '../model/message';

/** A system prompt longer than this is a client's fixed preamble (Claude Code's and Codex's run to tens of thousands of characters). */
export const SYSTEM_READ_LIMIT = 2000;

/**
 * Context that agents put into a user turn beside the human's words:
 * Claude Code's `<system-reminder>` blocks and slash-command wrappers, Codex's
 * `<environment_context>`, AGENTS.md and permission blocks.
 */
const AGENT_CONTEXT =
  /<(system-reminder|environment_context|user_instructions|permissions instructions|skills_instructions|INSTRUCTIONS|command-message|local-command-stdout|turn_aborted|user_shell_command)\b[^>]*>[\s\S]*?<\/\1>|^# AGENTS\.md instructions for .*$/gm;

/** A user turn's text without the agent's context around it. */
export function humanText(content: string): string {
  return content.includes('<') || content.includes('# AGENTS.md') ? content.replace(AGENT_CONTEXT, '').trim() : content.trim();
}

/** The index of the latest user turn with words of its own (a turn of context alone is skipped), or -1. */
export function latestRequestIndex(messages: readonly ChatMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index]!;
    if (message.role === 'user' && humanText(message.content) !== '') return index;
  }
  return -1;
}

/** The latest human request's words ('' when there is none), from its index ({@link latestRequestIndex}). */
export function latestRequest(messages: readonly ChatMessage[], index = latestRequestIndex(messages)): string {
  return index < 0 ? '' : humanText(messages[index]!.content);
}

/**
 * What a conversation asks: a short system prompt and the latest human
 * request; older turns are context. The classifiers read it, and the judges
 * (verification, shadow) are given it as the task.
 */
export function requestText(messages: readonly ChatMessage[]): string {
  const system: string[] = [];
  let systemLength = 0;
  for (const message of messages) {
    if (message.role !== 'system') continue;
    system.push(message.content);
    systemLength += message.content.length;
  }
  const request = latestRequest(messages);
  return systemLength > 0 && systemLength <= SYSTEM_READ_LIMIT ? `${system.join('\n')}\n${request}` : request;
}

/** What an agent has been doing since the latest human request. */
export interface WorkState {
  /** Tool results since the request. */
  readonly toolResults: number;
  /** The code file an edit since the request touched, if any. */
  readonly editedCode: string | undefined;
  /** Whether the latest tool result reports a failure. */
  readonly lastFailed: boolean;
}

/** Tools that change files: Claude Code's, Codex's `apply_patch`, and the common editor tools. */
const EDIT_TOOL = /(^|__)(edit|multiedit|write|notebookedit|apply_patch|str_replace\w*|create_file|write_file|edit_file)$/i;
const CODE_FILE = /[\w./-]+\.(ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|scala|c|cc|cpp|h|hpp|cs|rb|php|swift|sql|sh)\b/;
const FAILURE = /^(error|failed)\b|\b(exit code [1-9]\d*|exited with code [1-9]\d*|tests? failed|FAIL\b|Traceback)/im;

/** The agent's work since the latest human request (at `from`): nothing when the request is the conversation's last turn. */
export function workState(messages: readonly ChatMessage[], from = latestRequestIndex(messages)): WorkState {
  let toolResults = 0;
  let editedCode: string | undefined;
  let last: ChatMessage | undefined;
  for (let index = from + 1; index < messages.length; index += 1) {
    const message = messages[index]!;
    if (message.role === 'tool') {
      toolResults += 1;
      last = message;
    }
    for (const call of message.toolCalls ?? []) {
      if (editedCode === undefined && EDIT_TOOL.test(call.name)) editedCode = CODE_FILE.exec(call.arguments)?.[0];
    }
  }
  return { toolResults, editedCode, lastFailed: last !== undefined && FAILURE.test(last.content.slice(0, 2000)) };
}

/** The conversation a human wrote: every turn but system prompts, tool results and agents' context; what "long context" counts. */
export function conversationText(messages: readonly ChatMessage[]): string {
  let text = '';
  for (const message of messages) {
    if (message.role === 'user') text += humanText(message.content);
    else if (message.role === 'assistant') text += message.content;
  }
  return text;
}
