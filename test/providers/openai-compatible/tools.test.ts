import type { ChatMessage } from '../../../lambda/core/model/message';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import type { CompletionChunk } from '../../../lambda/core/model/completion';
import { createOpenAiCompatibleAdapter } from '../../../lambda/providers/openai-compatible/openai-compatible-provider';
import { completionCall } from '../../support/completion-calls';
import { fixture, sseEvents } from '../../support/fixtures';
import { testPolicy } from '../../support/policies';
import { startScriptedServer, type ScriptedServer } from '../../support/scripted-server';

const model = testPolicy().models.get('local/remote')!;
const weather = { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true };
const conversation: ChatMessage[] = [
  {
    role: 'user',
    content: 'Weather where this is?',
    parts: [
      { type: 'text', text: 'Weather where this is?' },
      { type: 'image', image: { url: 'https://example.com/tram.jpg', detail: 'low' } },
    ],
  },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
  { role: 'tool', content: '{"celsius":21}', toolCallId: 'call_1' },
];
const LISBON = { id: 'call_Q2mXv8TbL1nRk4sWy7Pd0HcA', name: 'get_weather', arguments: '{"city":"Lisbon"}' };
const PORTO = { id: 'call_Z9kYt3RqM6vNb2xLc5Fj8GsE', name: 'get_weather', arguments: '{"city":"Porto"}' };

describe('OpenAI-compatible adapter: tools and images, against a local OpenAI wire server', () => {
  let server: ScriptedServer;
  let adapter: ReturnType<typeof createOpenAiCompatibleAdapter>;
  beforeAll(async () => {
    server = await startScriptedServer();
    adapter = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: `${server.url}/v1`, apiKey: undefined });
  });
  afterAll(() => server.close());

  const call = (overrides: Partial<CompletionCall> = {}) =>
    completionCall(model, { messages: conversation, tools: [weather], toolChoice: 'required', parallelToolCalls: true, ...overrides });

  it('passes tools, tool_choice, parallel_tool_calls, image parts, tool calls and tool results through in OpenAI form', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('openai/chat-completion-tool-calls.json')) }));
    await adapter.complete(call({ toolChoice: { name: 'get_weather' } }));
    const body = JSON.parse(server.requests.at(-1)!.body);
    expect(body).toMatchObject({
      tools: [{ type: 'function', function: weather }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather where this is?' }, { type: 'image_url', image_url: { url: 'https://example.com/tram.jpg', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
      ],
    });
  });

  it('sends reasoning as reasoning_effort, an Anthropic budget as the nearest effort', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('openai/chat-completion.json')) }));
    await adapter.complete(call({ reasoning: { effort: 'minimal' } }));
    expect(JSON.parse(server.requests.at(-1)!.body).reasoning_effort).toBe('minimal');
    await adapter.complete(call({ reasoning: { budgetTokens: 4000 } }));
    expect(JSON.parse(server.requests.at(-1)!.body).reasoning_effort).toBe('medium');
  });

  it('sends no tool fields when the call offers no tools', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('openai/chat-completion.json')) }));
    await adapter.complete(call({ tools: [], toolChoice: undefined, parallelToolCalls: undefined, messages: [{ role: 'user', content: 'Hi' }] }));
    const body = JSON.parse(server.requests.at(-1)!.body);
    expect(Object.keys(body).filter((key) => key.includes('tool'))).toEqual([]);
  });

  it('reads parallel tool calls with null content as an empty text and finish reason tool_calls', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('openai/chat-completion-tool-calls.json')) }));
    expect(await adapter.complete(call())).toEqual({
      content: '',
      toolCalls: [LISBON, PORTO],
      finishReason: 'tool_calls',
      usage: { input: 86, output: 48, cacheRead: 0, cacheWrite: 0 },
      simulated: false,
    });
  });

  it('streams each call as its start and argument pieces, which assemble to the arguments complete returns', async () => {
    server.respond(() => ({ headers: { 'content-type': 'text/event-stream' }, chunks: sseEvents('openai/chat-completion-stream-tool-calls.txt').map((event) => Buffer.from(event)) }));
    const chunks: CompletionChunk[] = [];
    for await (const chunk of adapter.stream!(call())) chunks.push(chunk);
    const calls = chunks.filter((chunk) => chunk.type === 'tool_call');
    expect(calls.filter((chunk) => chunk.id !== undefined)).toEqual([
      { type: 'tool_call', index: 0, id: LISBON.id, name: 'get_weather', arguments: '' },
      { type: 'tool_call', index: 1, id: PORTO.id, name: 'get_weather', arguments: '' },
    ]);
    const assembled = [0, 1].map((index) => calls.filter((chunk) => chunk.index === index).map((chunk) => chunk.arguments).join(''));
    expect(assembled).toEqual([LISBON.arguments, PORTO.arguments]);
    expect(chunks.at(-1)).toEqual({ type: 'end', finishReason: 'tool_calls', usage: { input: 86, output: 48, cacheRead: 0, cacheWrite: 0 } });
  });
});
