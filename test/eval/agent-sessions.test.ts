import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_SESSIONS, loadAgentSessions, type AgentRequest, type AgentSession, type AgentSessionFile } from '../../lib/eval/agent-sessions';
import { parseMessagesRequest } from '../../lambda/core/surfaces/anthropic-messages/parse-request';
import { parseResponsesRequest } from '../../lambda/core/surfaces/openai-responses/parse-request';
import { testPolicy } from '../support/policies';

const limits = testPolicy().limits;
const sessions = loadAgentSessions();
const byName = sessions.map((session) => [session.name, session] as const);

type Entry = Record<string, unknown>;
const conversationOf = (request: AgentRequest) => request.body[request.path === '/v1/messages' ? 'messages' : 'input'] as Entry[];
const blocksOf = (entry: Entry) => (Array.isArray(entry['content']) ? (entry['content'] as Entry[]) : []);
/** What each turn of the session's file appends, as written. */
const appendsOf = (session: AgentSession) =>
  (JSON.parse(readFileSync(join(AGENT_SESSIONS, `${session.name}.json`), 'utf8')) as AgentSessionFile).turns.map((turn) => turn.append as Entry[]);

/** The tool calls an entry makes and the results it returns, by id. */
function toolIds(entry: Entry): { calls: string[]; results: string[] } {
  const type = entry['type'];
  if (type === 'function_call' || type === 'custom_tool_call') return { calls: [entry['call_id'] as string], results: [] };
  if (type === 'function_call_output' || type === 'custom_tool_call_output') return { calls: [], results: [entry['call_id'] as string] };
  const blocks = blocksOf(entry);
  return {
    calls: blocks.filter((block) => block['type'] === 'tool_use').map((block) => block['id'] as string),
    results: blocks.filter((block) => block['type'] === 'tool_result').map((block) => block['tool_use_id'] as string),
  };
}

/** A new request from the human: Claude Code's is a user turn with text, its first block a `<system-reminder>`; Codex's a user `message` item. */
function isHumanRequest(entry: Entry): boolean {
  if (entry['role'] !== 'user') return false;
  if (entry['type'] === 'message') return true;
  const blocks = blocksOf(entry);
  return blocks.some((block) => block['type'] === 'text') && String(blocks[0]!['text']).startsWith('<system-reminder>');
}

function sessionIdsOf(session: AgentSession, request: AgentRequest): string[] {
  if (session.client === 'claude-code') {
    const userId = (request.body['metadata'] as { user_id: string }).user_id;
    return [(JSON.parse(userId) as { session_id: string }).session_id, request.headers['x-claude-code-session-id']!];
  }
  return [request.body['prompt_cache_key'] as string, request.headers['session-id']!, request.headers['thread-id']!];
}

describe('loadAgentSessions', () => {
  it('loads every recorded session, Claude Code and Codex, each with at least one turn', () => {
    expect(sessions.map((session) => session.name)).toEqual(
      expect.arrayContaining([
        'claude-code-say-hello', 'claude-code-explain-repo', 'claude-code-fix-failing-test', 'claude-code-two-requests', 'claude-code-rename-typo',
        'codex-run-echo', 'codex-add-flag', 'codex-git-summary',
      ]),
    );
    for (const session of sessions) expect(session.turns.length).toBeGreaterThan(0);
  });

  describe.each(byName)('%s', (_, session) => {
    it('has every request accepted by the surface parser of its path, with the model left to the router', () => {
      for (const request of session.turns) {
        const body = JSON.stringify(request.body);
        const parsed = request.path === '/v1/messages' ? parseMessagesRequest(body, limits) : parseResponsesRequest(body, limits);
        expect(parsed.model).toBe('auto');
        expect(parsed.messages.length).toBeGreaterThan(0);
      }
    });

    it("grows the conversation: each request's conversation begins with the whole previous one", () => {
      session.turns.slice(1).forEach((request, index) => {
        const previous = conversationOf(session.turns[index]!);
        const next = conversationOf(request);
        expect(next.length).toBeGreaterThan(previous.length);
        expect(next.slice(0, previous.length)).toEqual(previous);
      });
    });

    it('answers every tool call with a result of the same id later in the session, and no result without its call', () => {
      const open = new Set<string>();
      const answered = new Set<string>();
      for (const entry of appendsOf(session).flat()) {
        const { calls, results } = toolIds(entry);
        for (const id of results) {
          expect(open.has(id)).toBe(true);
          open.delete(id);
          answered.add(id);
        }
        for (const id of calls) {
          expect(open.has(id) || answered.has(id)).toBe(false);
          open.add(id);
        }
      }
      expect([...open]).toEqual([]);
    });

    it('marks a turn human exactly when its append holds a new request from the human', () => {
      expect(appendsOf(session).map((append) => append.some(isHumanRequest))).toEqual(session.turns.map((request) => request.human));
      expect(session.turns[0]!.human).toBe(true);
    });

    it('carries the same session id in every turn, in the body and the headers', () => {
      for (const request of session.turns) expect(new Set(sessionIdsOf(session, request))).toEqual(new Set([session.session]));
    });
  });
});
