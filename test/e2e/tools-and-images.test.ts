/**
 * Tools and images end to end: the official openai client against the local
 * gateway, whose chain ends at the real OpenAI-compatible adapter talking to a
 * local server that replays real wire transcripts.
 */
import OpenAI from 'openai';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { fixture, sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import type { ScriptedResponse } from '../support/scripted-server';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';

const STREAMED_CALLS: ScriptedResponse = {
  headers: { 'content-type': 'text/event-stream' },
  chunks: sseEvents('openai/chat-completion-stream-tool-calls.txt').map((event) => Buffer.from(event)),
};
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('tools and images through the local gateway, with the openai client', () => {
  let wire: WireGateway;
  let gateway: LocalGateway;
  let client: OpenAI;

  beforeAll(async () => {
    // Both models call tools; only the second sees images.
    wire = await startWireGateway(
      (request) => (JSON.parse(request.body).stream ? STREAMED_CALLS : { body: JSON.stringify(fixture('openai/chat-completion-tool-calls.json')) }),
      {},
      { first: ['tools'], second: ['tools', 'vision'] },
    );
    gateway = wire.gateway;
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'tools-key', maxRetries: 0 });
  });
  afterAll(() => wire.close());

  it('streams parallel tool calls that the client assembles into whole calls, and records their usage', async () => {
    const stream = client.chat.completions.stream({
      model: 'auto',
      messages: [{ role: 'user', content: 'Weather in Lisbon and Porto?' }],
      tools: [weather],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls!.map((call) => call.type === 'function' && [call.id, call.function.name, JSON.parse(call.function.arguments)])).toEqual([
      ['call_Q2mXv8TbL1nRk4sWy7Pd0HcA', 'get_weather', { city: 'Lisbon' }],
      ['call_Z9kYt3RqM6vNb2xLc5Fj8GsE', 'get_weather', { city: 'Porto' }],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 86, completion_tokens: 48 });
    const sent = JSON.parse(wire.provider.requests.at(-1)!.body);
    expect(sent.tools).toEqual([weather]);
    const rows = await attemptRows(gateway, final.id.replace(/^chatcmpl-/, ''));
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['outputTokens']!.N])).toEqual([['wire/first', 'success', '48']]);
  });

  it('carries a tool result back to the model and answers a non-streamed tool call', async () => {
    const answer = await client.chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'user', content: 'Weather in Lisbon?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
      ],
      tools: [weather],
    });
    expect(answer.choices[0]!.message.tool_calls).toHaveLength(2);
    const sent = JSON.parse(wire.provider.requests.at(-1)!.body);
    expect(sent.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
    ]);
  });

  it('routes an image only to the model with vision, and says which it skipped', async () => {
    const before = wire.provider.requests.length;
    const { response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What colour is this pixel?' }, { type: 'image_url', image_url: { url: PNG } }] }],
        tools: [weather],
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-fallback-path')).toBe('wire/second');
    expect(response.headers.get('x-switchyard-tier-reasons')).toMatch(/skipped without the "vision" capability: wire\/first/);
    const sent = wire.provider.requests.slice(before).map((request) => JSON.parse(request.body));
    expect(sent.map((body) => body.model)).toEqual(['second']);
    expect(sent[0].messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: PNG } });
  });

  it('answers 400 naming the capability, and calls nothing, when no candidate can see images', async () => {
    const before = wire.provider.requests.length;
    await expect(
      client.chat.completions.create({
        model: 'wire/first',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }],
      }),
    ).rejects.toMatchObject({ constructor: OpenAI.BadRequestError, param: 'messages[0].content[0]', message: expect.stringMatching(/"vision" capability/) });
    expect(wire.provider.requests.length).toBe(before);
  });
});
