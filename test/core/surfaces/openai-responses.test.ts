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
    [{ input: 'Hi', tools: [{ type: 'web_search' }] }, 'tools[0].type', /only function tools/],
    [{ input: 'Hi', tools: [{ type: 'function', name: 'my.tool' }] }, 'tools[0].name', /letters, digits/],
    [{ input: [{ type: 'function_call_output', call_id: 'x', output: 'y' }] }, 'input[0].call_id', /earlier function_call/],
    [{ input: [{ type: 'file_search_call', id: 'f' }] }, 'input[0].type', /"file_search_call" item/],
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
    const response = toResponseObject('a-b', 'm', { content: 'Hi', finishReason: 'length', usage, simulated: false }, 1_000_000);
    expect(response).toMatchObject({
      id: 'resp_ab',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }],
      usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 90 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 105 },
    });
  });

  it('numbers events in sequence and closes an item before the next begins', () => {
    const encoder = responsesEventEncoder({ requestId: 'r', model: 'm', nowMs: 0 });
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
    expect(request.dropped).toEqual(['include', 'prompt_cache_key']);
  });
});
