/**
 * Long answers end to end: a non-streaming request through the local gateway,
 * read from a local OpenAI-compatible server as a stream (as every attempt is),
 * so a provider that is writing slowly is told from one that is hung.
 */
import OpenAI from 'openai';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { fixture, sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import type { ScriptedResponse } from '../support/scripted-server';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';

const EVENTS = sseEvents('openai/chat-completion-stream.txt').map((event) => Buffer.from(event));
const SSE = { 'content-type': 'text/event-stream' };

describe('long answers through the local gateway, with the openai client', () => {
  let wire: WireGateway;
  let gateway: LocalGateway;
  let client: OpenAI;
  const script = new Map<string, ScriptedResponse>();

  beforeAll(async () => {
    // A 1 s wait for the first token; each model writes at least 20 tokens a second, so max_tokens 10 adds 500 ms.
    wire = await startWireGateway((request) => script.get(JSON.parse(request.body).model) ?? { headers: SSE, chunks: EVENTS }, {
      attemptTimeoutSeconds: 1,
      retry: { maxAttempts: 2 },
    });
    gateway = wire.gateway;
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'long-key', maxRetries: 0 });
  });
  afterAll(() => wire.close());
  beforeEach(() => script.clear());

  const ask = () =>
    client.chat.completions.create({ model: 'auto', max_tokens: 10, messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] }).withResponse();

  it('moves on without paying for the same answer twice when a model runs out of time mid-answer, and charges what it wrote', async () => {
    // Every event 700 ms after the last: the first words come within the first-token wait, the rest too slowly.
    script.set('first', { headers: SSE, chunks: EVENTS, chunkDelayMs: 700 });
    const { data, response } = await ask();
    expect(data.model).toBe('wire/second');
    expect(response.headers.get('x-switchyard-fallback-path')).toBe('wire/first,wire/second');
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    const first = rows[0]!;
    // By the 1.5 s limit the words "You flew" (at 700 and 1,400 ms) had come: 8 characters, about 2 tokens.
    expect([first['outcome']!.S, first['estimated']!.BOOL, first['outputTokens']!.N]).toEqual(['generation_timeout', true, '2']);
    expect(Number(first['costNanoUsd']!.N)).toBeGreaterThan(0);
  });

  it('retries a model that sends nothing within the first-token wait, as hung', async () => {
    script.set('first', { delayMs: 1500, headers: SSE, chunks: EVENTS });
    const { response } = await ask();
    expect(response.headers.get('x-switchyard-fallback-path')).toBe('wire/first,wire/first,wire/first,wire/first,wire/second');
  });

  it('takes a host that ignores stream: true and answers in one piece', async () => {
    script.set('first', { body: fixture('openai/chat-completion.json') });
    const { data, response } = await ask();
    expect([data.model, response.headers.get('x-switchyard-attempts')]).toEqual(['wire/first', '1']);
  });
});
