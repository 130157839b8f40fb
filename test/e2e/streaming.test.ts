/**
 * Streaming end to end: the official openai client with `stream: true`
 * against the local gateway, whose chain ends at the real OpenAI-compatible
 * adapter talking to a local server that replays a real SSE transcript.
 */
import OpenAI from 'openai';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { fixture, sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import type { ScriptedResponse } from '../support/scripted-server';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';

/** A real transcript's events, one buffer each, as a provider sends them. */
const EVENTS = sseEvents('openai/chat-completion-stream.txt').map((event) => Buffer.from(event));
const MESSAGES = [{ role: 'user' as const, content: 'Where did I fly? I flew to Lisbon.' }];

describe('streaming through the local gateway, with the openai client', () => {
  let wire: WireGateway;
  let gateway: LocalGateway;
  let client: OpenAI;
  const script = new Map<string, ScriptedResponse>();

  beforeAll(async () => {
    // No retries beyond the walk's own try of a failed model, so each path is short to check.
    wire = await startWireGateway(
      (request) => script.get(JSON.parse(request.body).model) ?? { chunks: EVENTS, headers: { 'content-type': 'text/event-stream' } },
      { retry: { maxAttempts: 0 } },
    );
    gateway = wire.gateway;
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'stream-key', maxRetries: 0 });
  });
  afterAll(() => wire.close());
  beforeEach(() => script.clear());

  it('streams the answer chunk by chunk, with the usage last, and records it once', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'auto', messages: MESSAGES, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('You flew to Lisbon.');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 1212, completion_tokens: 6, total_tokens: 1218, prompt_tokens_details: { cached_tokens: 1024 } });
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['outputTokens']!.N, row['cacheReadTokens']!.N])).toEqual([['wire/first', 'success', '6', '1024']]);
  });

  it('falls back before the first byte: the caller sees only the second model', async () => {
    script.set('first', { status: 503, body: fixture('openai/error-server.json') });
    const { data: stream, response } = await client.chat.completions.create({ model: 'auto', messages: MESSAGES, stream: true }).withResponse();
    const models = new Set<string>();
    for await (const chunk of stream) models.add(chunk.model);
    expect([...models]).toEqual(['wire/second']);
    // A 503 is transient: the walk tries the first model once more (no retries beyond that here), then the second.
    expect(response.headers.get('x-switchyard-fallback-path')).toBe('wire/first,wire/first,wire/second');
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => `${row['model']!.S} ${row['outcome']!.S}`)).toEqual(['wire/first unavailable', 'wire/first unavailable', 'wire/second success']);
  });

  it('raises in the client when the provider is cut after the first byte, and the ledger has what was used', async () => {
    script.set('first', { chunks: EVENTS, cutAfterChunks: 3, headers: { 'content-type': 'text/event-stream' } });
    const { data: stream, response } = await client.chat.completions.create({ model: 'auto', messages: MESSAGES, stream: true }).withResponse();
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow(/wire\/first stopped answering after the stream began \(connection\)/);
    expect(received.join('')).toBe('You flew');
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['estimated']!.BOOL])).toEqual([['wire/first', 'connection', true]]);
    expect(Number(rows[0]!['inputTokens']!.N)).toBeGreaterThan(0);
  });
});
