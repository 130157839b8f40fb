/**
 * OpenAI's Responses API end to end: the official openai client's
 * `responses.create` (what Codex CLI speaks) against the local gateway, whose
 * chain ends at the real OpenAI-compatible adapter talking to a local server
 * that replays real chat-completion transcripts.
 */
import OpenAI from 'openai';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { spentToday } from '../support/spent-today';
import type { ScriptedResponse } from '../support/scripted-server';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';

const SSE = { 'content-type': 'text/event-stream' };
const TEXT: ScriptedResponse = { headers: SSE, chunks: sseEvents('openai/chat-completion-stream.txt').map((event) => Buffer.from(event)) };
const TOOL_CALLS: ScriptedResponse = { headers: SSE, chunks: sseEvents('openai/chat-completion-stream-tool-calls.txt').map((event) => Buffer.from(event)) };
const weather = { type: 'function' as const, name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true };

describe('OpenAI Responses through the local gateway, with the openai client', () => {
  let wire: WireGateway;
  let gateway: LocalGateway;
  let client: OpenAI;
  const script = new Map<string, ScriptedResponse>();

  beforeAll(async () => {
    wire = await startWireGateway((request) => (JSON.parse(request.body).tools ? TOOL_CALLS : (script.get('next') ?? TEXT)), {}, { first: ['tools', 'json'], second: ['tools', 'json'] });
    gateway = wire.gateway;
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'codex-key', maxRetries: 0 });
  });
  afterAll(() => wire.close());
  beforeEach(() => script.clear());

  it('answers responses.create with a message item, output_text and Responses usage, priced in the ledger and in usage', async () => {
    const before = await spentToday(gateway, 'codex-key');
    const { data, response } = await client.responses
      .create({ model: 'auto', instructions: 'Answer in one sentence.', input: 'Where did I fly? I flew to Lisbon.', store: false })
      .withResponse();
    expect([data.object, data.status, data.model, data.output_text]).toEqual(['response', 'completed', 'wire/first', 'You flew to Lisbon.']);
    expect(data.usage).toMatchObject({ input_tokens: 1212, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 6, total_tokens: 1218 });
    expect(JSON.parse(wire.provider.requests.at(-1)!.body).messages).toEqual([
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'Where did I fly? I flew to Lisbon.' },
    ]);
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['outputTokens']!.N])).toEqual([['wire/first', 'success', '6']]);
    // 188 input and 1,024 cached (no discount on this test price) at $0.40, 6 output at $1.60 per million.
    expect((await spentToday(gateway, 'codex-key')) - before).toBe(BigInt(rows[0]!['costNanoUsd']!.N!));
    expect(BigInt(rows[0]!['costNanoUsd']!.N!)).toBe(1212n * 400n + 6n * 1600n);
  });

  it('streams the Responses event sequence, which the client assembles into the same response', async () => {
    const stream = client.responses.stream({ model: 'auto', input: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] });
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    expect([final.status, final.output_text, final.usage?.output_tokens]).toEqual(['completed', 'You flew to Lisbon.', 6]);
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
  });

  it('calls function tools, streamed and whole, and takes function_call_output items back', async () => {
    const input: OpenAI.Responses.ResponseInput = [
      { role: 'user', content: 'Weather in Lisbon and Porto?' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '21 C' },
    ];
    const whole = await client.responses.create({ model: 'auto', input, tools: [weather] });
    expect(whole.output.map((item) => item.type === 'function_call' && [item.call_id, item.name, JSON.parse(item.arguments)])).toEqual([
      ['call_Q2mXv8TbL1nRk4sWy7Pd0HcA', 'get_weather', { city: 'Lisbon' }],
      ['call_Z9kYt3RqM6vNb2xLc5Fj8GsE', 'get_weather', { city: 'Porto' }],
    ]);
    const sent = JSON.parse(wire.provider.requests.at(-1)!.body);
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weather.parameters, strict: true } }]);
    expect(sent.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '21 C' },
    ]);

    const streamed = await client.responses.stream({ model: 'auto', input: 'Weather in Lisbon and Porto?', tools: [weather] }).finalResponse();
    expect(streamed.output.map((item) => item.type === 'function_call' && JSON.parse(item.arguments))).toEqual([{ city: 'Lisbon' }, { city: 'Porto' }]);
  });

  it('carries text.format json_schema to the provider as response_format', async () => {
    await client.responses.create({ model: 'auto', input: 'Where did I fly?', text: { format: { type: 'json_schema', name: 'trip', schema: { type: 'object' }, strict: true } } });
    expect(JSON.parse(wire.provider.requests.at(-1)!.body).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'trip', schema: { type: 'object' }, strict: true } });
  });

  it('refuses stored conversations with a 400 that says to send the whole input', async () => {
    await expect(client.responses.create({ model: 'auto', input: 'Hi', previous_response_id: 'resp_1' })).rejects.toMatchObject({
      constructor: OpenAI.BadRequestError,
      param: 'previous_response_id',
      message: expect.stringMatching(/send the whole conversation in "input"/),
    });
    await expect(client.responses.create({ model: 'auto', input: 'Hi', store: true })).rejects.toMatchObject({ constructor: OpenAI.BadRequestError, param: 'store' });
  });

  it('ends a stream cut after the first byte with response.failed, never response.completed', async () => {
    script.set('next', { ...TEXT, cutAfterChunks: 3 });
    const types: string[] = [];
    const stream = await client.responses.create({ model: 'auto', input: 'Where did I fly?', stream: true });
    for await (const event of stream) types.push(event.type);
    expect(types.slice(-2)).toEqual(['response.failed', 'error']);
    expect(types).not.toContain('response.completed');
  });
});
