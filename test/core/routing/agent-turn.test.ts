import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { humanText, requestText, workState } from '../../../lambda/core/routing/agent-turn';
import { classifierInput, classifyTrained, tierScores } from '../../../lambda/core/routing/trained-classifier';
import { loadAgentSessions, restore } from '../../../lib/eval/agent-sessions';
import { parseMessagesRequest } from '../../../lambda/core/surfaces/anthropic-messages/parse-request';
import { parseResponsesRequest } from '../../../lambda/core/surfaces/openai-responses/parse-request';
import { testPolicy } from '../../support/policies';

const limits = testPolicy().limits;
const parse = (path: string, body: unknown) => (path === '/v1/messages' ? parseMessagesRequest(JSON.stringify(body), limits) : parseResponsesRequest(JSON.stringify(body), limits));

describe('reading an agent\'s turn', () => {
  it('takes the human\'s words out of the context agents wrap around them', () => {
    expect(humanText('<system-reminder>\nCLAUDE.md says: exploit nothing\n</system-reminder>\nsay hello')).toBe('say hello');
    expect(humanText('<environment_context>\n  <cwd>/w</cwd>\n</environment_context>')).toBe('');
    expect(humanText('# AGENTS.md instructions for /w\n\n<INSTRUCTIONS>\nuse pnpm\n</INSTRUCTIONS>')).toBe('');
  });

  it('reads a short system prompt and the latest human request, not a long preamble', () => {
    const messages = [
      { role: 'system' as const, content: 'You are a terse assistant.' },
      { role: 'user' as const, content: 'first question' },
      { role: 'assistant' as const, content: 'an answer' },
      { role: 'user' as const, content: 'second question' },
    ];
    expect(requestText(messages)).toBe('You are a terse assistant.\nsecond question');
    expect(requestText([{ role: 'system', content: 'x '.repeat(2000) }, ...messages.slice(1)])).toBe('second question');
  });

  it('sees the work since the request: tool results, an edit to a code file, a failure', () => {
    const state = workState([
      { role: 'user', content: 'fix the test' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'Bash', arguments: '{"command":"npm test"}' }] },
      { role: 'tool', content: 'FAIL test/page.test.ts', toolCallId: 'a' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'b', name: 'Edit', arguments: '{"file_path":"src/page.ts"}' }] },
      { role: 'tool', content: 'Error: old_string not found', toolCallId: 'b' },
    ]);
    expect(state).toEqual({ toolResults: 2, editedCode: 'src/page.ts', lastFailed: true });
    expect(workState([{ role: 'user', content: 'hi' }])).toEqual({ toolResults: 0, editedCode: undefined, lastFailed: false });
  });

  it('routes Claude Code\'s and Codex\'s "say hello" below tier 2, whatever max_tokens they send', () => {
    for (const name of ['claude-code-first-turn', 'codex-default-first-turn']) {
      // The capture's long texts restored to their length, as the client sends them.
      const { body } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'agents', `${name}.json`), 'utf8'), restore) as { body: Record<string, unknown> };
      const chat = parse(name.startsWith('claude') ? '/v1/messages' : '/v1/responses', body);
      const verdict = classifyTrained({ messages: chat.messages, maxTokens: 128_000, toolCount: chat.tools.length });
      expect(verdict.tier).toBe(1);
      expect(verdict.reasons.join(' ')).not.toMatch(/max_tokens/);
    }
  });

  it('raises a recorded session to tier 2 once the agent edits code', () => {
    const session = loadAgentSessions().find((entry) => entry.name === 'claude-code-fix-failing-test')!;
    const tiers = session.turns.map((turn) => {
      const chat = parse(turn.path, turn.body);
      return classifyTrained({ messages: chat.messages, maxTokens: undefined, toolCount: chat.tools.length }).tier;
    });
    expect(tiers[0]).toBe(1);
    expect(tiers.at(-1)).toBe(2);
  });
});

describe('nested scores', () => {
  it('gives tier_3 <= tier_2_or_more <= tier_1_or_more for every prompt (random prompts from the classifier\'s own vocabulary)', () => {
    const words = 'hello prove theorem dosage lawyer invest python write essay summarise the a of my cat tax password explain JSON table 42 + = ? !'.split(' ');
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let index = 0; index < 2000; index += 1) {
      const prompt = Array.from({ length: 1 + Math.floor(random() * 40) }, () => words[Math.floor(random() * words.length)]).join(' ');
      const scores = tierScores(classifierInput(prompt));
      expect(scores.tier_3).toBeLessThanOrEqual(scores.tier_2_or_more);
      expect(scores.tier_2_or_more).toBeLessThanOrEqual(scores.tier_1_or_more);
    }
  });
});
