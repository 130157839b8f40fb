/**
 * Anthropic's Messages API end to end: the official @anthropic-ai/sdk client
 * (what Claude Code is built on) against the local gateway, whose chain ends
 * at the real OpenAI-compatible adapter talking to a local server that replays
 * real wire transcripts, so each answer is translated, priced and recorded.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { spentToday } from '../support/spent-today';
import type { ScriptedResponse } from '../support/scripted-server';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';

const SSE = { 'content-type': 'text/event-stream' };
const TEXT: ScriptedResponse = { headers: SSE, chunks: sseEvents('openai/chat-completion-stream.txt').map((event) => Buffer.from(event)) };
const TOOL_CALLS: ScriptedResponse = { headers: SSE, chunks: sseEvents('openai/chat-completion-stream-tool-calls.txt').map((event) => Buffer.from(event)) };
const weather = { name: 'get_weather', description: 'Weather now', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

describe('Anthropic Messages through the local gateway, with the @anthropic-ai/sdk client', () => {
  let wire: WireGateway;
  let gateway: LocalGateway;
  let client: Anthropic;
  const script = new Map<string, ScriptedResponse>();

  beforeAll(async () => {
    wire = await startWireGateway((request) => (JSON.parse(request.body).tools ? TOOL_CALLS : (script.get('next') ?? TEXT)), {}, { first: ['tools', 'vision'], second: ['tools', 'vision'] });
    gateway = wire.gateway;
    // The SDK appends /v1/messages to its base URL, as Claude Code does with ANTHROPIC_BASE_URL.
    client = new Anthropic({ baseURL: gateway.baseUrl.replace(/\/v1$/, ''), apiKey: 'claude-code-key', maxRetries: 0 });
  });
  afterAll(() => wire.close());
  beforeEach(() => script.clear());

  const ledgerOf = (requestId: string) => attemptRows(gateway, requestId);

  it('answers messages.create in Anthropic shape, with usage counted the Anthropic way, priced in the ledger and in usage', async () => {
    const before = await spentToday(gateway, 'claude-code-key');
    const { data: message, response } = await client.messages
      .create({ model: 'auto', max_tokens: 64, system: 'Answer in one sentence.', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] })
      .withResponse();
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'wire/first', stop_reason: 'end_turn', content: [{ type: 'text', text: 'You flew to Lisbon.' }] });
    // prompt_tokens 1,212 of which 1,024 cached: Anthropic's input_tokens leave the cached ones out.
    expect(message.usage).toMatchObject({ input_tokens: 188, output_tokens: 6, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0 });
    const sent = JSON.parse(wire.provider.requests.at(-1)!.body);
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'Where did I fly? I flew to Lisbon.' },
    ]);
    const rows = await ledgerOf(response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['outputTokens']!.N])).toEqual([['wire/first', 'success', '6']]);
    expect(BigInt(rows[0]!['costNanoUsd']!.N!)).toBe(188n * 400n + 1024n * 400n + 6n * 1600n);
    expect((await spentToday(gateway, 'claude-code-key')) - before).toBe(188n * 400n + 1024n * 400n + 6n * 1600n);
  });

  it('streams with Anthropic events that the SDK assembles into the same message', async () => {
    const stream = client.messages.stream({ model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const message = await stream.finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'You flew to Lisbon.' }]);
    expect([message.stop_reason, message.usage.input_tokens, message.usage.output_tokens]).toEqual(['end_turn', 188, 6]);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('carries tools both ways: parallel tool_use blocks out, streamed and whole, and tool_result blocks back in', async () => {
    const conversation: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Weather in Lisbon and Porto?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lisbon' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '21 C' }, { type: 'text', text: 'And Porto?' }] },
    ];
    const whole = await client.messages.create({ model: 'auto', max_tokens: 64, tools: [weather], messages: conversation });
    expect(whole.stop_reason).toBe('tool_use');
    expect(whole.content).toEqual([
      { type: 'tool_use', id: 'call_Q2mXv8TbL1nRk4sWy7Pd0HcA', name: 'get_weather', input: { city: 'Lisbon' } },
      { type: 'tool_use', id: 'call_Z9kYt3RqM6vNb2xLc5Fj8GsE', name: 'get_weather', input: { city: 'Porto' } },
    ]);
    const sent = JSON.parse(wire.provider.requests.at(-1)!.body);
    expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weather.input_schema } }]);
    expect(sent.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '21 C' },
      { role: 'user', content: 'And Porto?' },
    ]);

    const streamed = await client.messages.stream({ model: 'auto', max_tokens: 64, tools: [weather], messages: [{ role: 'user', content: 'Weather in Lisbon and Porto?' }] }).finalMessage();
    expect(streamed.content.map((block) => block.type === 'tool_use' && block.input)).toEqual([{ city: 'Lisbon' }, { city: 'Porto' }]);
  });

  it('names the anthropic-beta flags the answering model does not take, and sends them nowhere', async () => {
    const { response } = await client.messages
      .create(
        { model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] },
        { headers: { 'anthropic-beta': 'claude-code-20250219, interleaved-thinking-2025-05-14' } },
      )
      .withResponse();
    expect(response.headers.get('x-switchyard-dropped-betas')).toBe('claude-code-20250219,interleaved-thinking-2025-05-14');
    expect(wire.provider.requests.at(-1)!.body).not.toContain('claude-code-20250219');
  });

  it("lists the gateway's models to the Anthropic SDK's models.list", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3', 'wire/first', 'wire/second']);
  });

  it('counts tokens without calling a model', async () => {
    const before = wire.provider.requests.length;
    const counted = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'a'.repeat(400) }], tools: [weather] });
    expect(counted.input_tokens).toBeGreaterThan(100);
    expect(wire.provider.requests.length).toBe(before);
  });

  it("answers errors in Anthropic's envelope, so the SDK raises its own error classes", async () => {
    await expect(client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      constructor: Anthropic.NotFoundError,
      status: 404,
      error: { type: 'error', error: { type: 'not_found_error', message: expect.stringMatching(/does not exist on this gateway/) } },
    });
    // No key at all: refused before the router, still in Anthropic's envelope on this path.
    const noKey = await fetch(`${gateway.baseUrl}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect([noKey.status, await noKey.json()]).toEqual([401, { type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(/No API key/) } }]);
  });

  it("sends the model's own output limit when Claude Code asks for more (128,000), with no cap of the gateway's own, and says so", async () => {
    const stream = client.messages.stream({ model: 'auto', max_tokens: 128_000, messages: [{ role: 'user', content: 'Hi there' }] });
    const { response } = await stream.withResponse();
    await stream.finalMessage();
    expect(response.headers.get('x-switchyard-adjusted')).toBe("max_tokens 128000->1000 (wire/first's maximum output)");
    expect(JSON.parse(wire.provider.requests.at(-1)!.body).max_completion_tokens).toBe(1000);
  });

  it('raises in the client when the provider is cut after the first byte: an error event, never a clean stop', async () => {
    script.set('next', { ...TEXT, cutAfterChunks: 3 });
    const stream = client.messages.stream({ model: 'wire/second', max_tokens: 64, messages: [{ role: 'user', content: 'Where did I fly?' }] });
    await expect(stream.finalMessage()).rejects.toThrow(/stopped answering after the stream began/);
  });

  it('names the field of a bad request in an invalid_request_error', async () => {
    await expect(client.messages.create({ model: 'auto', max_tokens: 10, messages: [] })).rejects.toMatchObject({
      constructor: Anthropic.BadRequestError,
      error: { error: { type: 'invalid_request_error', message: expect.stringMatching(/"messages" must contain at least one message/) } },
    });
  });
});
