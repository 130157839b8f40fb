/**
 * Eval: recorded coding-agent sessions (Claude Code, Codex) replayed as the
 * requests the client sends, one per model call, so the router's decisions
 * across a session, and their cost with prompt-cache reads and writes, can be
 * measured.
 *
 * A session file in `test/fixtures/agent-sessions/` names a request captured
 * from the client (`test/fixtures/agents/`) as its base: every request takes
 * the base's headers, system prompt and tools, with the session's own id, and
 * a conversation that only grows, turn by turn, as the client's does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type AgentClient = 'claude-code' | 'codex';

/** A session as written in its fixture file. */
export interface AgentSessionFile {
  readonly client: AgentClient;
  /** One line: what the human asked and what happened. */
  readonly description: string;
  /** A captured request in `test/fixtures/agents/`: every request takes its headers and body. */
  readonly base: string;
  /** How many leading entries of the base's `messages` (Claude Code) or `input` (Codex) every request keeps. */
  readonly keep: number;
  /** The session id, written wherever the base carries its own (metadata, headers, `prompt_cache_key`). */
  readonly session: string;
  /** Tools the client offered beyond the base's (Codex offers `apply_patch` when it may write files). @default none */
  readonly tools?: readonly Record<string, unknown>[];
  readonly turns: readonly AgentTurnFile[];
}

export interface AgentTurnFile {
  /** Messages (Claude Code) or input items (Codex) added before this request: the model's previous answer first, then tool results or the human's next request. */
  readonly append: readonly Record<string, unknown>[];
  /** Output tokens the model's answer to this request used. */
  readonly outputTokens: number;
  /** Whether `append` holds a new human request (false when it holds only tool results). */
  readonly human: boolean;
  /** A tier hint for people reading (trivial, standard, complex); nothing checks it. */
  readonly expect: string;
}

/** One request of a session, as the client sends it. */
export interface AgentRequest {
  readonly path: '/v1/messages' | '/v1/responses';
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly outputTokens: number;
  readonly human: boolean;
  readonly expect: string;
}

export interface AgentSession {
  /** The file name without `.json`. */
  readonly name: string;
  readonly client: AgentClient;
  readonly description: string;
  readonly session: string;
  readonly turns: readonly AgentRequest[];
}

const FIXTURES = join(__dirname, '..', '..', 'test', 'fixtures');
export const AGENT_SESSIONS = join(FIXTURES, 'agent-sessions');
const CAPTURED = join(FIXTURES, 'agents');

/** A captured request: `{captured, headers, body}` in `test/fixtures/agents/`. */
interface Captured {
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const CONVERSATION: Readonly<Record<AgentClient, 'messages' | 'input'>> = { 'claude-code': 'messages', codex: 'input' };
const PATH: Readonly<Record<AgentClient, AgentRequest['path']>> = { 'claude-code': '/v1/messages', codex: '/v1/responses' };

/** Every session in `folder`, by file name, each turn built into the request its client sends. */
export function loadAgentSessions(folder: string = AGENT_SESSIONS): AgentSession[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => sessionOf(file.slice(0, -'.json'.length), JSON.parse(readFileSync(join(folder, file), 'utf8'), restore) as AgentSessionFile));
}

function sessionOf(name: string, file: AgentSessionFile): AgentSession {
  const base = capturedRequest(file.base, file.client, file.session);
  const list = CONVERSATION[file.client];
  const kept = base.body[list];
  if (!Array.isArray(kept) || kept.length < file.keep) throw new Error(`${name}: ${file.base} has fewer than ${file.keep} entries in "${list}".`);
  const tools = [...((base.body['tools'] as unknown[] | undefined) ?? []), ...(file.tools ?? [])];
  const conversation: unknown[] = kept.slice(0, file.keep);
  const turns = file.turns.map((turn): AgentRequest => {
    conversation.push(...turn.append);
    const body = { ...base.body, model: 'auto', [list]: conversation, ...(tools.length > 0 ? { tools } : {}) };
    return {
      path: PATH[file.client],
      headers: structuredClone(base.headers),
      body: structuredClone(body),
      outputTokens: turn.outputTokens,
      human: turn.human,
      expect: turn.expect,
    };
  });
  return { name, client: file.client, description: file.description, session: file.session, turns };
}

/**
 * A captured request with the session's id in place of the one it was captured
 * with, everywhere it appears: Claude Code's `metadata.user_id` and
 * `x-claude-code-session-id`; Codex's `prompt_cache_key`, `session-id`,
 * `thread-id` and the turn metadata that repeats them.
 */
function capturedRequest(base: string, client: AgentClient, session: string): Captured {
  const text = readFileSync(join(CAPTURED, base), 'utf8');
  const { headers, body } = JSON.parse(text) as Captured;
  const captured = client === 'claude-code' ? headers['x-claude-code-session-id'] : body['prompt_cache_key'];
  if (typeof captured !== 'string' || captured === '') throw new Error(`${base} carries no session id for ${client}.`);
  return JSON.parse(text.replaceAll(captured, session), restore) as Captured;
}

/** A JSON reviver: every cut text restored ({@link uncut}), as a captured request is read for routing. */
export const restore = (_: string, value: unknown) => (typeof value === 'string' ? uncut(value) : value);

const CUT = /\[\.\.\. (\d+) characters cut for the fixture\]/;
const OPEN_TAG = /<(system-reminder|environment_context|user_instructions|skills_instructions|permissions instructions)>/;

/**
 * A text the capture cut, restored to its length (the cut part as filler
 * words), its context block closed again: so the router reads a client's
 * preamble as long as the client sends it, and its context blocks whole.
 */
function uncut(text: string): string {
  const cut = CUT.exec(text);
  if (cut === null) return text;
  const filler = ' lorem'.repeat(Math.ceil(Number(cut[1]) / 6));
  const open = OPEN_TAG.exec(text);
  const close = open !== null && !text.includes(`</${open[1]}>`) ? `\n</${open[1]}>` : '';
  return `${text.slice(0, cut.index)}${filler}${close}${text.slice(cut.index + cut[0].length)}`;
}
