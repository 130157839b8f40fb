import type { ChatMessage } from '../../../lambda/core/model/message';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import type { CompletionChunk } from '../../../lambda/core/model/completion';
import { fitForBedrock, MISSING_TOOL_RESULT } from '../../../lambda/providers/bedrock/adjust-request';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../../support/bedrock-event-stream';
import { completionCall } from '../../support/completion-calls';
import { fixture } from '../../support/fixtures';
import { defaultPolicyDocument } from '../../support/policies';
import type { ScriptedServer } from '../../support/scripted-server';
import { useBedrockWireServer, type BedrockAdapter } from '../../support/bedrock-wire';

const model = loadPolicy(defaultPolicyDocument()).models.get('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0')!;
const weather = { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A whole agent turn: an image, a tool call and its result, then a follow-up question. */
const conversation: ChatMessage[] = [
  { role: 'system', content: 'Use the tools.' },
  {
    role: 'user',
    content: 'Where is this? What is the weather there?',
    parts: [
      { type: 'image', image: { url: `data:image/png;base64,${PNG_BYTES.toString('base64')}` } },
      { type: 'text', text: 'Where is this? What is the weather there?' },
    ],
  },
  { role: 'assistant', content: 'Lisbon. Checking.', toolCalls: [{ id: 'tooluse_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
  { role: 'tool', content: '{"celsius":21}', toolCallId: 'tooluse_1' },
  { role: 'user', content: 'And in Porto?' },
];

describe('Bedrock Converse adapter: tools and images, with the real SDK against a local Bedrock wire server', () => {
  let server: ScriptedServer;
  let adapter: BedrockAdapter;
  useBedrockWireServer((wire) => ({ server, adapter } = wire));

  const call = (overrides: Partial<CompletionCall> = {}) => completionCall(model, { messages: conversation, tools: [weather], toolChoice: 'auto', ...overrides });
  const sentBody = () => JSON.parse(server.requests.at(-1)!.body);

  it('sends the tools as toolConfig, the image as bytes, the call as toolUse and the result as toolResult in a user turn', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-tool-use.json')) }));
    await adapter.complete(call());
    const body = sentBody();
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: 'Weather now', inputSchema: { json: weather.parameters } } }],
      toolChoice: { auto: {} },
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ image: { format: 'png', source: { bytes: PNG_BYTES.toString('base64') } } }, { text: 'Where is this? What is the weather there?' }] },
      { role: 'assistant', content: [{ text: 'Lisbon. Checking.' }, { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Lisbon' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: '{"celsius":21}' }] } }, { text: 'And in Porto?' }] },
    ]);
  });

  it('forwards the anthropic-beta flags the call carries, and sends no field without them', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-tool-use.json')) }));
    await adapter.complete(call({ betas: ['context-1m-2025-08-07'] }));
    expect(sentBody().additionalModelRequestFields).toEqual({ anthropic_beta: ['context-1m-2025-08-07'] });
    await adapter.complete(call());
    expect(sentBody()).not.toHaveProperty('additionalModelRequestFields');
  });

  it.each([
    ['required', { any: {} }],
    [{ name: 'get_weather' }, { tool: { name: 'get_weather' } }],
  ] as const)('maps tool_choice %j to Converse %j', async (choice, expected) => {
    server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-tool-use.json')) }));
    await adapter.complete(call({ toolChoice: choice }));
    expect(sentBody().toolConfig.toolChoice).toEqual(expected);
  });

  it('leaves the tools out for tool_choice none, unless earlier turns used them (Converse then needs them declared)', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-tool-use.json')) }));
    await adapter.complete(call({ toolChoice: 'none', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(sentBody().toolConfig).toBeUndefined();
    await adapter.complete(call({ toolChoice: 'none' }));
    expect(sentBody().toolConfig).toEqual({ tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: 'get_weather' }) })] });
  });

  it('reads parallel toolUse blocks as tool calls with their arguments as JSON text, finish reason tool_calls', async () => {
    server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-tool-use.json')) }));
    const completion = await adapter.complete(call());
    expect(completion).toEqual({
      content: "I'll check the weather in both cities.",
      toolCalls: [
        { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
        { id: 'tooluse_3xT0bQn9S2uWf8YhLc1pMa', name: 'get_weather', arguments: '{"city":"Porto"}' },
      ],
      finishReason: 'tool_calls',
      usage: { input: 412, output: 97, cacheRead: 0, cacheWrite: 0 },
      simulated: false,
    });
  });

  it('streams a tool call as its start (id, name) and argument pieces numbered from 0, after the text', async () => {
    server.respond(() => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-tool-use.json')) }));
    const chunks: CompletionChunk[] = [];
    for await (const chunk of adapter.stream!(call())) chunks.push(chunk);
    expect(chunks).toEqual([
      { type: 'text', text: "I'll check" },
      { type: 'text', text: ' the weather.' },
      { type: 'tool_call', index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: '' },
      { type: 'tool_call', index: 0, arguments: '{"city": ' },
      { type: 'tool_call', index: 0, arguments: '"Lisbon"}' },
      { type: 'end', finishReason: 'tool_calls', usage: { input: 412, output: 61, cacheRead: 0, cacheWrite: 0 } },
    ]);
  });

  describe('JSON output, which Converse takes as a tool the model must call', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, country: { type: 'string' } }, required: ['city', 'country'] };
    const jsonCall = () =>
      call({ tools: [], toolChoice: undefined, messages: [{ role: 'user', content: 'Where is Belem?' }], responseFormat: { type: 'json_schema', jsonSchema: { name: 'place', schema } } });

    it('forces one tool whose input schema is the caller\'s, and answers its input as the JSON text, finish reason stop', async () => {
      server.respond(() => ({ body: JSON.stringify(fixture('bedrock/converse-json-answer.json')) }));
      const completion = await adapter.complete(jsonCall());
      expect(sentBody().toolConfig).toEqual({
        tools: [{ toolSpec: { name: 'json_answer', description: 'Give your whole answer as this JSON object.', inputSchema: { json: schema } } }],
        toolChoice: { tool: { name: 'json_answer' } },
      });
      expect([JSON.parse(completion.content), completion.finishReason, completion.toolCalls]).toEqual([{ city: 'Lisbon', country: 'Portugal' }, 'stop', undefined]);
    });

    it('streams the forced tool\'s input as the answer\'s text', async () => {
      server.respond(() => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-json-answer.json')) }));
      const chunks: CompletionChunk[] = [];
      for await (const chunk of adapter.stream!(jsonCall())) chunks.push(chunk);
      const text = chunks.flatMap((chunk) => (chunk.type === 'text' ? [chunk.text] : [])).join('');
      expect(JSON.parse(text)).toEqual({ city: 'Lisbon', country: 'Portugal' });
      expect(chunks.at(-1)).toEqual({ type: 'end', finishReason: 'stop', usage: { input: 391, output: 38, cacheRead: 0, cacheWrite: 0 } });
    });
  });
});

describe('fitForBedrock: requests Bedrock refuses, rewritten by rule', () => {
  const policy = loadPolicy(defaultPolicyDocument());
  const claude = policy.models.get('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0')!;
  const nova = policy.models.get('bedrock/amazon.nova-lite-v1:0')!;
  const call = (overrides: Partial<CompletionCall>) => completionCall(claude, overrides);

  it('sends Converse only the betas that change how Claude answers, naming the rest', () => {
    const betas = ['interleaved-thinking-2025-05-14', 'per-turn-control-2026-07-01', 'effort-2025-11-24', 'advanced-tool-use-2025-11-20'];
    const { call: fitted, adjusted } = fitForBedrock(call({ betas }));
    expect(fitted.betas).toEqual(['interleaved-thinking-2025-05-14', 'effort-2025-11-24']);
    expect(adjusted).toEqual(['anthropic-beta per-turn-control-2026-07-01,advanced-tool-use-2025-11-20 not sent (Converse has none of the fields they enable)']);
    expect(fitForBedrock(call({ betas: ['interleaved-thinking-2025-05-14'] })).adjusted).toEqual([]);
  });

  it('moves a system message that interrupts tool calls and their results to after the results, and sends no reasoning where no thinking is on', () => {
    const messages = [
      { role: 'user' as const, content: 'Run it.' },
      { role: 'assistant' as const, content: '', toolCalls: [{ id: 't1', name: 'lookup', arguments: '{}' }], reasoning: [{ text: 'hm', signature: 's' }] },
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'tool' as const, content: 'done', toolCallId: 't1' },
    ];
    const { call: fitted, adjusted } = fitForBedrock(call({ messages }));
    expect(turns(fitted.messages)).toEqual([
      ['user', 'Run it.'],
      ['assistant', ''],
      ['tool', 'done'],
      ['user', '<system-message>\nBe brief.\n</system-message>'],
    ]);
    expect(fitted.messages[1]!.reasoning).toBeUndefined();
    expect(adjusted).toEqual(['earlier reasoning blocks not sent (no thinking on this call)', '1 mid-conversation system message(s) sent as user text']);
  });

  it('sends a mid-conversation system message as user text in its place, and leaves a leading one in the system prompt', () => {
    const messages = [
      { role: 'system' as const, content: 'You are Claude Code.' },
      { role: 'user' as const, content: 'Fix the test.' },
      { role: 'assistant' as const, content: 'Done.' },
      { role: 'system' as const, content: 'Plan mode is on.' },
      { role: 'user' as const, content: 'Now the docs.' },
    ];
    const { call: fitted, adjusted } = fitForBedrock(call({ messages }));
    expect(turns(fitted.messages)).toEqual([
      ['system', 'You are Claude Code.'],
      ['user', 'Fix the test.'],
      ['assistant', 'Done.'],
      ['user', '<system-message>\nPlan mode is on.\n</system-message>'],
      ['user', 'Now the docs.'],
    ]);
    expect(adjusted).toEqual(['1 mid-conversation system message(s) sent as user text']);
    expect(fitForBedrock(call({ messages: messages.slice(0, 3) })).adjusted).toEqual([]);
  });

  it('drops top_p beside temperature for Claude 4.5, and leaves other models and lone settings alone', () => {
    expect(fitForBedrock(call({ temperature: 0.2, topP: 0.9 }))).toMatchObject({ call: { temperature: 0.2, topP: undefined }, adjusted: ['top_p dropped (Claude 4.5 takes temperature or top_p)'] });
    expect(fitForBedrock(completionCall(nova, { temperature: 0.2, topP: 0.9 })).adjusted).toEqual([]);
    expect(fitForBedrock(call({ temperature: undefined, topP: 0.9 })).adjusted).toEqual([]);
  });

  it('answers tool calls nobody answered, beside the results that were sent, and says which', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }, { id: 'b', name: 'f', arguments: '{}' }] },
      { role: 'tool', content: 'sunny', toolCallId: 'a' },
      { role: 'user', content: 'And now?' },
    ];
    const { call: fitted, adjusted } = fitForBedrock(call({ messages }));
    expect(fitted.messages.map((message) => `${message.role}:${message.toolCallId ?? ''}:${message.content}`)).toEqual([
      'user::Weather?',
      'assistant::',
      'tool:a:sunny',
      `tool:b:${MISSING_TOOL_RESULT}`,
      'user::And now?',
    ]);
    expect(adjusted).toEqual(['empty results added for unanswered tool calls b']);
    expect(fitForBedrock(call({ messages: messages.slice(0, 2) })).adjusted).toEqual([]);
  });
});

describe('reasoning on Bedrock: Claude extended thinking, by rule', () => {
  const policy = loadPolicy(defaultPolicyDocument());
  const claude = policy.models.get('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0')!;
  const nova = policy.models.get('bedrock/amazon.nova-lite-v1:0')!;
  const call = (overrides: Partial<CompletionCall>) => completionCall(claude, { maxTokens: 16_000, temperature: undefined, ...overrides });

  it.each([
    [{ effort: 'low' as const }, 2048],
    [{ effort: 'high' as const }, 15_999],
    [{ budgetTokens: 5000 }, 5000],
  ])('turns %j into a thinking budget below max_tokens', (reasoning, budget) => {
    expect(fitForBedrock(call({ reasoning })).call.reasoning).toEqual({ budgetTokens: budget });
  });

  it('keeps thinking off, and says why, where Claude would refuse it', () => {
    const answeringTools = call({
      reasoning: { effort: 'low' },
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }] },
        { role: 'tool', content: 'sunny', toolCallId: 'a' },
      ],
    });
    expect(fitForBedrock(answeringTools)).toMatchObject({ call: { reasoning: undefined }, adjusted: ['thinking off (the tool calls being answered came without their thinking blocks)'] });
    const withThinking = { ...answeringTools, messages: answeringTools.messages.map((message) => (message.role === 'assistant' ? { ...message, reasoning: [{ text: 'hmm', signature: 's' }] } : message)) };
    expect(fitForBedrock(withThinking)).toMatchObject({ call: { reasoning: { budgetTokens: 2048 } }, adjusted: [] });
    expect(fitForBedrock(call({ reasoning: { effort: 'low' }, maxTokens: 1000 })).adjusted).toEqual(['thinking off (max_tokens 1000 leaves no room for 1024 thinking tokens)']);
    expect(fitForBedrock(completionCall(nova, { reasoning: { effort: 'low' } })).adjusted[0]).toMatch(/not a Claude model/);
  });

  it('drops the temperature and a low top_p, which thinking does not take', () => {
    expect(fitForBedrock(call({ reasoning: { effort: 'low' }, temperature: 0.2, topP: 0.5 })).adjusted).toEqual([
      'temperature dropped (Claude thinking takes none)',
      'top_p dropped (Claude thinking takes 0.95 or more)',
    ]);
  });

  describe('against the local Bedrock wire server', () => {
    let server: ScriptedServer;
    let adapter: BedrockAdapter;
    useBedrockWireServer(
      (wire) => ({ server, adapter } = wire),
      () => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-thinking.json')) }),
    );

    it('asks for thinking with its budget, and streams the thinking apart from the text, with its signature', async () => {
      const chunks: CompletionChunk[] = [];
      for await (const chunk of adapter.stream!(call({ reasoning: { budgetTokens: 2048 } }))) chunks.push(chunk);
      expect(JSON.parse(server.requests.at(-1)!.body).additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
      expect(chunks.slice(0, 4)).toEqual([
        { type: 'thinking', text: 'The user flew to Lisbon', signature: undefined, redacted: undefined },
        { type: 'thinking', text: ', so the answer is Lisbon.', signature: undefined, redacted: undefined },
        { type: 'thinking', text: undefined, signature: 'EqQBCkgIARABGAIiQL0qRlFjUNT2', redacted: undefined },
        { type: 'text', text: 'Lisbon.' },
      ]);
    });

    it("sends a turn's thinking back first, as it came, so Claude can think through tool calls", async () => {
      const messages: ChatMessage[] = [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'f', arguments: '{}' }], reasoning: [{ text: 'Use f.', signature: 'sig' }, { redacted: 'AAEC' }] },
        { role: 'tool', content: 'sunny', toolCallId: 'a' },
      ];
      for await (const _chunk of adapter.stream!(call({ messages, tools: [{ name: 'f' }], reasoning: { budgetTokens: 2048 } }))) void _chunk;
      const body = JSON.parse(server.requests.at(-1)!.body);
      expect(body.messages[1].content).toEqual([
        { reasoningContent: { reasoningText: { text: 'Use f.', signature: 'sig' } } },
        { reasoningContent: { redactedContent: 'AAEC' } },
        { toolUse: { toolUseId: 'a', name: 'f', input: {} } },
      ]);
      expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    });
  });
});

/** Each message as its role and text, to compare a conversation at a glance. */
function turns(messages: readonly { readonly role: string; readonly content: string }[]): [string, string][] {
  return messages.map(({ role, content }) => [role, content]);
}
