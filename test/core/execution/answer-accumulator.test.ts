import { answerAccumulator } from '../../../lambda/core/execution/answer-accumulator';
import type { TokenUsage } from '../../../lambda/core/model/usage';

const usage = (input: number, output: number): TokenUsage => ({ input, output, cacheRead: 0, cacheWrite: 0 });
// 'hi' is about 1 token, plus 4 for the message's framing.
const prompt = { messages: [{ role: 'user' as const, content: 'hi' }] };

describe('answerAccumulator', () => {
  it('joins text, assembles tool calls from their pieces by index, and reasoning into signed blocks', () => {
    const answer = answerAccumulator(prompt);
    answer.add({ type: 'thinking', text: 'Lisbon ' });
    answer.add({ type: 'thinking', text: 'is warm.', signature: 'sig-1' });
    answer.add({ type: 'text', text: 'Checking ' });
    answer.add({ type: 'tool_call', index: 1, id: 'c2', name: 'get_time', arguments: '{}' });
    answer.add({ type: 'tool_call', index: 0, id: 'c1', name: 'get_weather', arguments: '{"city":' });
    answer.add({ type: 'tool_call', index: 0, arguments: '"Lisbon"}' });
    answer.add({ type: 'text', text: 'now.' });
    const { completion, estimated } = answer.complete({ type: 'end', finishReason: 'tool_calls', usage: usage(10, 4) }, true);
    expect(completion).toEqual({
      content: 'Checking now.',
      toolCalls: [
        { id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
        { id: 'c2', name: 'get_time', arguments: '{}' },
      ],
      reasoning: [{ text: 'Lisbon is warm.', signature: 'sig-1' }],
      finishReason: 'tool_calls',
      usage: usage(10, 4),
      simulated: true,
    });
    expect(estimated).toBe(false);
    expect(answer.content()).toBe('Checking now.');
  });

  it('leaves out tool calls and reasoning when the answer had none', () => {
    const answer = answerAccumulator(prompt);
    answer.add({ type: 'text', text: 'Lisbon.' });
    expect(answer.complete({ type: 'end', finishReason: 'stop', usage: usage(5, 2) }, false).completion).toEqual({
      content: 'Lisbon.',
      finishReason: 'stop',
      usage: usage(5, 2),
      simulated: false,
    });
  });

  it('estimates what was seen, text and tool-call arguments as output, not reasoning', () => {
    const answer = answerAccumulator(prompt);
    expect(answer.seen()).toEqual(usage(5, 0));
    answer.add({ type: 'thinking', text: 'x'.repeat(400) });
    answer.add({ type: 'text', text: 'abcd' });
    answer.add({ type: 'tool_call', index: 0, id: 'c1', name: 'f', arguments: 'efgh' });
    answer.add({ type: 'tool_call', index: 0, arguments: 'i' });
    // 9 characters of output: 3 tokens at four characters a token.
    expect(answer.seen()).toEqual(usage(5, 3));
  });

  it('charges an end without usage by the estimate of what was seen, and says it is estimated', () => {
    const answer = answerAccumulator({ ...prompt, tools: [{ name: 'f', description: 'd', parameters: { type: 'object' } }] });
    answer.add({ type: 'text', text: 'x'.repeat(40) });
    const { completion, estimated } = answer.complete({ type: 'end', finishReason: 'stop', usage: undefined }, false);
    expect([completion.usage, estimated]).toEqual([answer.seen(), true]);
    expect(completion.usage.output).toBe(10);
    expect(completion.usage.input).toBeGreaterThan(5) /* the tool definitions count as prompt */;
  });
});
