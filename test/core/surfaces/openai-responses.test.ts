import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResponsesRequest } from '../../../lambda/core/surfaces/openai-responses/parse-request';
import { responsesEventEncoder } from '../../../lambda/core/surfaces/openai-responses/encode-stream';
import { toResponseObject } from '../../../lambda/core/surfaces/openai-responses/encode-response';
import { rejectionOf } from '../../support/caller-errors';
import { testPolicy } from '../../support/policies';

const limits = testPolicy().limits;
const parse = (body: Record<string, unknown>) => parseResponsesRequest(JSON.stringify({ model: 'auto', ...body }), limits);
const rejection = (body: Record<string, unknown>) => rejectionOf(() => parse(body));

describe('parseResponsesRequest', () => {
  it('reads instructions, message items with images, function calls joined to their assistant turn, and outputs', () => {
    const request = parse({
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use tools.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
        { type: 'function_call', call_id: 'c1', name: 'look', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'a tram' },
      ],
      tools: [{ type: 'function', name: 'look', parameters: { type: 'object' } }],
      max_output_tokens: 50,
      reasoning: { effort: 'low' },
      store: false,
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'What is this?', parts: [{ type: 'text', text: 'What is this?' }, { type: 'image', image: { url: 'https://example.com/a.png', detail: 'low' } }] },
      { role: 'assistant', content: 'Looking.', toolCalls: [{ id: 'c1', name: 'look', arguments: '{}' }] },
      { role: 'tool', content: 'a tram', toolCallId: 'c1' },
    ]);
    expect(request).toMatchObject({ maxTokens: 50, dropped: [], tools: [{ name: 'look' }], reasoning: { effort: 'low' } });
  });

  it.each([
    [{ input: 'Hi', tools: [{ type: 'function', name: 'my.tool' }] }, 'tools[0].name', /letters, digits/],
    [{ input: [{ type: 'function_call_output', call_id: 'x', output: 'y' }] }, 'input[0].call_id', /earlier function_call/],
    [{ input: 'Hi', tools: [{ name: 'lookup' }] }, 'tools[0].type', /is required/],
    [{ input: 'Hi', tools: [{ type: '' }] }, 'tools[0].type', /must be "function", "custom", "namespace" or a hosted tool's type/],
    [{ input: 'Hi', tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'a.b' }] }] }, 'tools[0].tools[0].name', /letters, digits/],
    [{ input: 'Hi', conversation: 'conv_1' }, 'conversation', /not stored here/],
    [{ input: 'Hi', tool_choice: 'required' }, 'tool_choice', /only allowed when "tools"/],
    [{ input: '' }, 'input', /must not be empty/],
  ])('refuses %j naming the field', (body, param, message) => {
    const error = rejection(body);
    expect([error.param, error.message]).toEqual([param, expect.stringMatching(message)]);
  });
});

describe('Responses output', () => {
  const usage = { input: 10, output: 5, cacheRead: 90, cacheWrite: 0, reasoning: 2 };

  it('is incomplete with its reason when the answer ran out of tokens, and counts cached tokens inside input', () => {
    const response = toResponseObject('a-b', 'm', { content: 'Hi', finishReason: 'length', usage, simulated: false }, 1_000_000, parse({ input: 'Hi' }));
    expect(response).toMatchObject({
      id: 'resp_ab',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }],
      usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 90 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 105 },
    });
  });

  it('numbers events in sequence and closes an item before the next begins', () => {
    const encoder = responsesEventEncoder({ requestId: 'r', model: 'm', nowMs: 0, chat: parse({ input: 'Hi' }) });
    const events = [
      ...encoder.begin(),
      ...encoder.text('Hi'),
      ...encoder.toolCall({ type: 'tool_call', index: 0, id: 'c1', name: 'f', arguments: '{"a":' }),
      ...encoder.toolCall({ type: 'tool_call', index: 0, arguments: '1}' }),
      ...encoder.end('tool_calls', usage),
    ].map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)));
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.at(-1).response.output.map((item: { type: string }) => item.type)).toEqual(['message', 'function_call']);
    expect(events.at(-2).item).toMatchObject({ call_id: 'c1', arguments: '{"a":1}' });
  });
});

describe('a Codex CLI request, as it sends one', () => {
  const body = readFileSync(join(__dirname, '..', '..', 'fixtures', 'surfaces', 'codex-responses.json'), 'utf8');

  it('is served statelessly: the whole conversation in input, earlier reasoning not sent back, its extras named', () => {
    const request = parseResponsesRequest(body, limits);
    expect(request.messages.map((message) => message.role)).toEqual(['system', 'system', 'user', 'user', 'assistant', 'tool']);
    expect(request.messages[4]!.toolCalls).toEqual([{ id: 'call_Xk2pQ9rT4vW7yZ1a', name: 'shell', arguments: '{"command":["npm","test"],"workdir":"/work/app"}' }]);
    expect(request).toMatchObject({ stream: true, toolChoice: 'auto', parallelToolCalls: false, reasoning: { effort: 'medium' } });
    expect(request.dropped).toEqual([]);
    expect(request).toMatchObject({ encryptedReasoning: true, promptCacheKey: expect.any(String) });
  });
});

/** A request Codex 0.171.0 sent, captured offline (long texts cut): `test/fixtures/agents/`. */
const codex = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'agents', `${name}.json`), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };
/** The output items of a whole answer. */
const outputOf = (response: unknown) => (response as { output: { type: string }[] }).output;
const events = (frames: readonly string[]) => frames.map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)));

describe('Codex 0.171.0 requests, as captured', () => {
  it('with the README config (model auto): namespace tools flattened, the hosted web_search dropped and named, nothing refused', () => {
    const request = parseResponsesRequest(JSON.stringify(codex('codex-auto-first-turn').body), limits);
    const names = request.tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['exec_command', 'multi_agent_v1__spawn_agent', 'multi_agent_v1__wait_agent']));
    expect(request.tools.find((tool) => tool.name === 'multi_agent_v1__spawn_agent')!.origin).toEqual({ name: 'spawn_agent', namespace: 'multi_agent_v1' });
    expect(request.droppedTools).toEqual(['web_search']);
    expect(request.messages.map((message) => message.role)).toEqual(['system', 'system', 'user', 'user']);
    expect(request).toMatchObject({ stream: true, encryptedReasoning: true, promptCacheKey: codex('codex-auto-first-turn').body['prompt_cache_key'] });
    expect(request.dropped).toEqual(['client_metadata']);
  });

  it('with its default model: tools from the additional_tools item, the freeform exec tool as a function of one input string', () => {
    const request = parseResponsesRequest(JSON.stringify(codex('codex-default-first-turn').body), limits);
    const exec = request.tools.find((tool) => tool.name === 'functions__exec')!;
    expect(exec.origin).toEqual({ name: 'exec', namespace: 'functions', freeform: true });
    expect(exec.parameters).toMatchObject({ required: ['input'], properties: { input: { type: 'string' } } });
    expect(exec.description).toMatch(/The input must match this lark grammar:\n\nstart: pragma_source/);
    expect(request.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['clock__sleep', 'collaboration__spawn_agent']));
    expect(request.droppedTools).toEqual([]);
  });

  it('carries a custom tool call and its output (a list of text parts) back as the flattened call and a tool message', () => {
    const request = parseResponsesRequest(JSON.stringify(codex('codex-default-custom-tool-result').body), limits);
    const [call, result] = request.messages.slice(-2);
    expect(call!.toolCalls![0]).toMatchObject({ name: 'functions__exec', arguments: expect.stringMatching(/^\{"input":"const r = await tools.exec_command/) });
    expect(result).toMatchObject({ role: 'tool', toolCallId: call!.toolCalls![0]!.id, content: expect.stringMatching(/^Script completed\n[\s\S]*"exit_code":0/) });
  });

  it('answers a flattened call in the caller\'s terms: namespace and name, or a custom_tool_call with its input, streamed and whole', () => {
    const chat = parseResponsesRequest(JSON.stringify(codex('codex-default-first-turn').body), limits);
    const completion = {
      content: '',
      toolCalls: [
        { id: 'call_1', name: 'functions__exec', arguments: JSON.stringify({ input: 'text("hi");' }) },
        { id: 'call_2', name: 'clock__sleep', arguments: '{"seconds":1}' },
      ],
      finishReason: 'tool_calls' as const,
      usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
      simulated: false,
    };
    const whole = toResponseObject('r', 'm', completion, 0, chat);
    expect(outputOf(whole)).toEqual([
      { type: 'custom_tool_call', id: 'ctc_0_r', call_id: 'call_1', name: 'exec', namespace: 'functions', input: 'text("hi");', status: 'completed' },
      { type: 'function_call', id: 'fc_1_r', call_id: 'call_2', name: 'sleep', namespace: 'clock', arguments: '{"seconds":1}', status: 'completed' },
    ]);
    const encoder = responsesEventEncoder({ requestId: 'r', model: 'm', nowMs: 0, chat });
    const streamed = events([
      ...encoder.begin(),
      ...encoder.toolCall({ type: 'tool_call', index: 0, id: 'call_1', name: 'functions__exec', arguments: '{"input":"text(' }),
      ...encoder.toolCall({ type: 'tool_call', index: 0, arguments: '\\"hi\\");"}' }),
      ...encoder.end('tool_calls', completion.usage),
    ]);
    expect(streamed.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(streamed[4]).toMatchObject({ item_id: 'ctc_0_r', input: 'text("hi");' });
    expect(streamed.at(-1).response.output).toEqual([outputOf(whole)[0]]);
  });

  it('returns Claude\'s thinking as an opaque reasoning item that comes back with the next turn, when include asks for it', () => {
    const chat = parse({ input: 'Hi', include: ['reasoning.encrypted_content'], store: false });
    const blocks = [{ text: 'Think first.', signature: 'sig-1' }, { redacted: 'cmVkYWN0ZWQ=' }];
    const completion = { content: 'Hello.', reasoning: blocks, finishReason: 'stop' as const, usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 }, simulated: false };
    const [item] = outputOf(toResponseObject('r', 'm', completion, 0, chat)) as unknown as [{ type: string; encrypted_content: string; summary: unknown }];
    expect(item).toMatchObject({ type: 'reasoning', id: 'rs_r', summary: [{ type: 'summary_text', text: 'Think first.' }] });
    expect(outputOf(toResponseObject('r', 'm', completion, 0, parse({ input: 'Hi' }))).map((entry) => entry.type)).toEqual(['message']);

    const encoder = responsesEventEncoder({ requestId: 'r', model: 'm', nowMs: 0, chat });
    const streamed = events([
      ...encoder.begin(),
      ...encoder.thinking!({ type: 'thinking', text: 'Think first.' }),
      ...encoder.thinking!({ type: 'thinking', signature: 'sig-1' }),
      ...encoder.thinking!({ type: 'thinking', redacted: 'cmVkYWN0ZWQ=' }),
      ...encoder.text('Hello.'),
      ...encoder.end('stop', completion.usage),
    ]);
    expect(streamed.at(-1).response.output[0]).toEqual(item);

    const next = parse({
      input: [
        { type: 'message', role: 'user', content: 'Hi' },
        item,
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] },
        { type: 'reasoning', id: 'rs_other', summary: [], encrypted_content: 'gAAAAB-another-provider' },
        { type: 'message', role: 'user', content: 'Again' },
      ],
    });
    expect(next.messages[1]).toEqual({ role: 'assistant', content: 'Hello.', reasoning: blocks });
    expect(next.messages.map((message) => message.reasoning)).toEqual([undefined, blocks, undefined]);
  });

  it('sends back only reasoning blocks of the exact two shapes, and reasoning only with the assistant turn right after it', () => {
    const crafted = (blocks: unknown) => ({ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: `switchyard.v1.${Buffer.from(JSON.stringify(blocks)).toString('base64url')}` });
    const hi = { type: 'message', role: 'user', content: 'Hi' };
    const answer = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] };
    const mixed = parse({ input: [hi, crafted([{ text: 't', signature: 's', redacted: 5 }, { redacted: 'cg==' }, { text: 't', signature: 's' }]), answer] });
    expect(mixed.messages[1]!.reasoning).toEqual([{ redacted: 'cg==' }, { text: 't', signature: 's' }]);
    // Reasoning followed by a user message is stale: the assistant turn after that gets none.
    const stale = parse({ input: [hi, crafted([{ text: 't', signature: 's' }]), { ...hi, content: 'Again' }, answer] });
    expect(stale.messages.map((message) => message.reasoning)).toEqual([undefined, undefined, undefined]);
    // Thinking between two calls of one turn goes with that turn, first, as Converse sends reasoning.
    const call = (id: string) => ({ type: 'function_call', call_id: id, name: 'look', arguments: '{}' });
    const interleaved = parse({ input: [hi, crafted([{ text: 'one', signature: 's1' }]), call('c1'), crafted([{ text: 'two', signature: 's2' }]), call('c2')], tools: [{ type: 'function', name: 'look' }] });
    expect(interleaved.messages[1]).toMatchObject({ role: 'assistant', toolCalls: [{ id: 'c1' }, { id: 'c2' }], reasoning: [{ text: 'one', signature: 's1' }, { text: 'two', signature: 's2' }] });
  });

  it('drops a tool choice among hosted tools alone, picks a namespaced tool by namespace and name, and refuses a content part that is no object', () => {
    expect(parse({ input: 'Hi', tools: [{ type: 'web_search' }], tool_choice: 'auto', parallel_tool_calls: true })).toMatchObject({ tools: [], toolChoice: undefined, droppedTools: ['web_search'], dropped: ['parallel_tool_calls', 'tool_choice'] });
    const namespaced = parse({ input: 'Hi', tools: [{ type: 'namespace', name: 'mcp', tools: [{ type: 'function', name: 'search' }] }], tool_choice: { type: 'function', namespace: 'mcp', name: 'search' } });
    expect(namespaced.toolChoice).toEqual({ name: 'mcp__search' });
    expect(rejection({ input: [{ type: 'message', role: 'user', content: [null] }] }).param).toBe('input[0].content[0]');
  });

  it('puts a note in place of a message part no model here takes (a file), naming it', () => {
    const request = parse({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,JVBERi0=' }, { type: 'input_text', text: 'Summarise it.' }] }] });
    expect(request.messages[0]!.content).toBe('[an input_file part was here; this model was not sent it]\nSummarise it.');
    expect(request.dropped).toEqual(['input[].content[].input_file']);
  });

  it('names item types it does not send, instead of refusing the turn', () => {
    const request = parse({ input: [{ type: 'message', role: 'user', content: 'Hi' }, { type: 'web_search_call', id: 'ws_1', status: 'completed' }] });
    expect(request.dropped).toEqual(['input[].web_search_call']);
  });
});
