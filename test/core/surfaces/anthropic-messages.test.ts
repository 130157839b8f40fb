import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessagesRequest } from '../../../lambda/core/surfaces/anthropic-messages/parse-request';
import { anthropicErrorBody } from '../../../lambda/core/surfaces/anthropic-messages/error-envelope';
import { anthropicEventEncoder } from '../../../lambda/core/surfaces/anthropic-messages/encode-stream';
import { toAnthropicMessage } from '../../../lambda/core/surfaces/anthropic-messages/encode-response';
import { CallerError } from '../../../lambda/core/base/errors';
import { toHttpError } from '../../../lambda/core/surfaces/shared/http-error';
import { rejectionOf } from '../../support/caller-errors';
import { testPolicy } from '../../support/policies';

const limits = testPolicy().limits;
const parse = (body: Record<string, unknown>) => parseMessagesRequest(JSON.stringify({ model: 'auto', max_tokens: 100, ...body }), limits);
const rejection = (body: Record<string, unknown>) => rejectionOf(() => parse(body));

describe('parseMessagesRequest', () => {
  it('reads system blocks, images, tool_use and tool_result blocks into the chat model, tool results first', () => {
    const request = parse({
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: 'Where?' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 't1', name: 'lookup', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'nothing' }], is_error: true }, { type: 'text', text: 'Try again' }] },
      ],
      tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      top_k: 5,
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where?', parts: [{ type: 'image', image: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'text', text: 'Where?' }] },
      { role: 'assistant', content: 'Checking.', toolCalls: [{ id: 't1', name: 'lookup', arguments: '{"q":"x"}' }], reasoning: [{ text: 'hmm', signature: 's' }] },
      { role: 'tool', content: 'Error: nothing', toolCallId: 't1' },
      { role: 'user', content: 'Try again' },
    ]);
    expect(request).toMatchObject({ toolChoice: 'required', parallelToolCalls: false, stop: ['END'], cachePrompt: true, dropped: ['top_k'], includeUsage: true });
  });

  it('reads thinking as a reasoning budget, and refuses one under Claude\'s minimum', () => {
    expect(parse({ messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'enabled', budget_tokens: 4000 } }).reasoning).toEqual({ budgetTokens: 4000 });
    expect(parse({ messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'disabled' } }).reasoning).toBeUndefined();
    expect(rejection({ messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'enabled', budget_tokens: 100 } }).param).toBe('thinking.budget_tokens');
  });

  it('reads adaptive thinking at output_config.effort (medium when none), and says what an unknown thinking type may be', () => {
    const hi = [{ role: 'user', content: 'Hi' }];
    expect(parse({ messages: hi, thinking: { type: 'adaptive', display: 'summarized' } }).reasoning).toEqual({ effort: 'medium' });
    expect(parse({ messages: hi, thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }).reasoning).toEqual({ effort: 'low' });
    expect(parse({ messages: hi, thinking: { type: 'adaptive' }, output_config: { effort: 'max' } }).reasoning).toEqual({ effort: 'high' });
    expect(parse({ messages: hi, output_config: { effort: 'high' } }).reasoning).toBeUndefined();
    const unknown = rejection({ messages: hi, thinking: { type: 'sometimes' } });
    expect([unknown.param, unknown.message]).toEqual(['thinking.type', '"thinking.type" must be one of "enabled", "adaptive", "disabled".']);
    expect(rejection({ messages: hi, thinking: { type: 'enabled' } }).param).toBe('thinking.budget_tokens');
  });

  it('reads output_config.format as a JSON schema the answer must take', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const request = parse({ messages: [{ role: 'user', content: 'Where?' }], output_config: { format: { type: 'json_schema', schema } } });
    expect(request.responseFormat).toEqual({ type: 'json_schema', jsonSchema: { name: 'output', schema, strict: true } });
    expect(request.dropped).toEqual([]);
  });

  it('keeps a mid-conversation system message in its place, as Claude Code sends its per-turn controls', () => {
    const request = parse({
      system: 'You are Claude Code.',
      messages: [
        { role: 'user', content: 'Fix the test.' },
        { role: 'assistant', content: 'Done.' },
        { role: 'system', content: [{ type: 'text', text: 'Plan mode is on.' }] },
        { role: 'user', content: 'Now the docs.' },
      ],
    });
    expect(request.messages.map(({ role, content }) => [role, content])).toEqual([
      ['system', 'You are Claude Code.'],
      ['user', 'Fix the test.'],
      ['assistant', 'Done.'],
      ['system', 'Plan mode is on.'],
      ['user', 'Now the docs.'],
    ]);
  });

  it('drops server tools (and a choice among them alone), and names Anthropic-defined client tools, which only Claude\'s own API takes', () => {
    const hi = [{ role: 'user', content: 'Hi' }];
    expect(parse({ messages: hi, tools: [{ type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'auto' } })).toMatchObject({ tools: [], toolChoice: undefined, droppedTools: ['web_search_20250305'], dropped: ['tool_choice'] });
    const request = parse({ messages: hi, tools: [{ type: 'bash_20250124', name: 'bash' }, { name: 'lookup', input_schema: { type: 'object' } }] });
    expect([request.tools.map((tool) => tool.name), request.droppedTools, request.dropped]).toEqual([['lookup'], [], ['tools[].bash_20250124']]);
  });

  it('keeps a block only Claude\'s own API takes (a document, an image a tool returned) as a note in its place, naming it', () => {
    const request = parse({
      messages: [
        { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }, { type: 'text', text: 'Summarise it.' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { file_path: 'shot.png' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] },
      ],
    });
    expect(request.messages.map(({ role, content }) => [role, content])).toEqual([
      ['user', '[a document block was here; this model was not sent it]\nSummarise it.'],
      ['assistant', ''],
      ['tool', '[an image block was here; this model was not sent it]'],
    ]);
    expect(request.dropped).toEqual(['messages[].content[].document', 'messages[].content[].tool_result.image']);
  });

  it('asks for no caching when no block carries cache_control', () => {
    expect(parse({ messages: [{ role: 'user', content: 'Hi' }] }).cachePrompt).toBe(false);
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'Hi' }], max_tokens: undefined }, 'max_tokens', /is required/],
    [{ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope', content: 'x' }] }] }, 'messages[0].content[0].tool_use_id', /earlier assistant message/],
    [{ messages: [{ role: 'user', content: 'Hi' }], mcp_servers: [{}] }, 'mcp_servers', /MCP servers are not supported/],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/tiff', data: 'AA' } }] }] }, 'messages[0].content[0].source.media_type', /image\/png/],
  ])('refuses %j naming the field', (body, param, message) => {
    const error = rejection(body);
    expect([error.param, error.message]).toEqual([param, expect.stringMatching(message)]);
  });

  it('refuses an image whose media type is no image type, or whose URL source carries bytes', () => {
    const image = (source: Record<string, unknown>) => rejection({ messages: [{ role: 'user', content: [{ type: 'image', source }] }] });
    expect(image({ type: 'base64', media_type: 'png', data: 'iVBORw0KGgo=' }).param).toBe('messages[0].content[0].source.media_type');
    expect(image({ type: 'url', url: 'data:image/png;base64,iVBORw0KGgo=' }).param).toBe('messages[0].content[0].source');
    const web = parse({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }] }] });
    expect(web.messages[0]!.parts).toEqual([{ type: 'image', image: { url: 'https://example.com/cat.png' } }]);
  });

  it('lowers max_tokens over the cap and says so, and needs none for count_tokens', () => {
    const capped = { ...limits, maxTokens: 16_384 };
    const request = parseMessagesRequest(JSON.stringify({ model: 'auto', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] }), capped);
    expect(request).toMatchObject({ maxTokens: 16_384, adjusted: ['max_tokens 32000->16384'] });
    // Without a cap of the policy's own, the model's own maximum applies later: nothing is lowered here.
    expect(parse({ max_tokens: 128_000, messages: [{ role: 'user', content: 'Hi' }] })).toMatchObject({ maxTokens: 128_000, adjusted: [] });
    expect(parseMessagesRequest(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] }), limits, { requireMaxTokens: false }).maxTokens).toBeUndefined();
  });
});

describe('toAnthropicMessage and the event encoder', () => {
  const usage = { input: 10, output: 5, cacheRead: 100, cacheWrite: 20 };

  it('shapes text and tool calls as content blocks, with stop_reason and Anthropic usage', () => {
    const message = toAnthropicMessage('1a-2b', 'bedrock/x', { content: 'Hi', toolCalls: [{ id: 'c1', name: 'f', arguments: '{"a":1}' }], finishReason: 'tool_calls', usage, simulated: false });
    expect(message).toEqual({
      id: 'msg_1a2b',
      type: 'message',
      role: 'assistant',
      model: 'bedrock/x',
      content: [{ type: 'text', text: 'Hi' }, { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } }],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 20, cache_read_input_tokens: 100 },
    });
  });

  it('opens and closes one content block at a time, numbering them in order', () => {
    const encoder = anthropicEventEncoder({ requestId: 'r', model: 'm', inputTokens: 7 });
    const frames = [
      ...encoder.begin(),
      ...encoder.text('Hel'),
      ...encoder.text('lo'),
      ...encoder.toolCall({ type: 'tool_call', index: 0, id: 'c1', name: 'f', arguments: '' }),
      ...encoder.toolCall({ type: 'tool_call', index: 0, arguments: '{"a":1}' }),
      ...encoder.end('tool_calls', usage),
    ].map((frame) => {
      const [name, data] = frame.split('\n');
      return [name!.slice('event: '.length), JSON.parse(data!.slice('data: '.length))];
    });
    expect(frames.map(([name, data]) => `${name} ${data.index ?? ''}`.trim())).toEqual([
      'message_start',
      'content_block_start 0',
      'content_block_delta 0',
      'content_block_delta 0',
      'content_block_stop 0',
      'content_block_start 1',
      'content_block_delta 1',
      'content_block_stop 1',
      'message_delta',
      'message_stop',
    ]);
    expect(frames[6]![1].delta).toEqual({ type: 'input_json_delta', partial_json: '{"a":1}' });
    expect(frames[8]![1]).toMatchObject({ delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 10, output_tokens: 5 } });
  });

  it('streams thinking as its own block, closed by its signature, before the text', () => {
    const encoder = anthropicEventEncoder({ requestId: 'r', model: 'm', inputTokens: 7 });
    const frames = [
      ...encoder.thinking!({ type: 'thinking', text: 'Lisbon' }),
      ...encoder.thinking!({ type: 'thinking', signature: 'sig' }),
      ...encoder.text('Lisbon.'),
    ].map((frame) => JSON.parse(frame.split('\n')[1]!.slice('data: '.length)));
    expect(frames).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Lisbon' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Lisbon.' } },
    ]);
  });

  it('ends a broken stream with an error event', () => {
    expect(anthropicEventEncoder({ requestId: 'r', model: 'm', inputTokens: 1 }).fail('cut')).toEqual(['event: error\ndata: {"type":"error","error":{"type":"api_error","message":"cut"}}\n\n']);
  });

  it('keeps the status and message of an error, with the type Anthropic gives the status', () => {
    const http = toHttpError(new CallerError('request_too_large', 'Too big.'), 'r');
    expect([http.status, anthropicErrorBody(http)]).toEqual([413, { type: 'error', error: { type: 'request_too_large', message: 'Too big.' } }]);
  });
});

describe('a Claude Code request, as it sends one', () => {
  const body = readFileSync(join(__dirname, '..', '..', 'fixtures', 'surfaces', 'claude-code-messages.json'), 'utf8');

  it('is served: cached system blocks, thinking sent back, a tool loop; its max_tokens kept (under the model\'s own cap) and its metadata named', () => {
    const request = parseMessagesRequest(body, limits);
    expect(request.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(request.messages[2]).toMatchObject({ reasoning: [{ text: 'I should run the tests first.', signature: 'ErUBCkYIBxgCIkB3pQ5h3sZ9qJ2mT0x' }], toolCalls: [{ name: 'Bash' }] });
    expect(request).toMatchObject({ cachePrompt: true, stream: true, reasoning: { budgetTokens: 31_999 }, dropped: ['metadata'], adjusted: [] });
    expect(request.tools.map((tool) => tool.name)).toEqual(['Bash', 'Read']);
  });
});

describe('Claude Code 2.1.332 requests, as captured', () => {
  const captured = (name: string) => (JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'agents', `${name}.json`), 'utf8')) as { body: unknown }).body;

  it.each(['claude-code-first-turn', 'claude-code-tool-result', 'claude-code-stream-json'])('%s is read whole, and names what only Claude\'s own API carries', (name) => {
    const body = captured(name) as Record<string, unknown>;
    const request = parseMessagesRequest(JSON.stringify(body), limits);
    expect(request).toMatchObject({ model: 'claude-opus-5-5', maxTokens: 128_000, stream: true, reasoning: { effort: 'medium' }, cachePrompt: true, droppedTools: [] });
    expect(request.messages.filter((message) => message.role === 'system')).toHaveLength(2);
    expect(request.dropped).toEqual(['context_management', 'messages[].output_config', 'metadata', 'thinking.display', 'tools[].defer_loading']);
    // Kept as sent, for a provider that serves the Messages API itself.
    expect(request.anthropicBody).toEqual(body);
  });
});
