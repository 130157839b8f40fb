/**
 * This folder: the OpenAI-compatible adapter's tests, against a local server
 * that speaks OpenAI's wire format and replays stored responses; one file per
 * piece of `lambda/providers/openai-compatible/` worth testing on its own.
 */
import { drainStream } from '../../support/drain-stream';
import type { ProviderFailureKind } from '../../../lambda/core/base/errors';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import type { CompletionChunk } from '../../../lambda/core/model/completion';
import { fixedKey } from '../../../lambda/providers/api-keys';
import { createOpenAiCompatibleAdapter } from '../../../lambda/providers/openai-compatible/openai-compatible-provider';
import { fixture, sseEvents } from '../../support/fixtures';
import { failureOf } from '../../support/provider-failure';
import { testPolicy } from '../../support/policies';
import { startScriptedServer, type ScriptedResponse, type ScriptedServer } from '../../support/scripted-server';
import { completionCall } from '../../support/completion-calls';

const model = testPolicy().models.get('local/remote')!;
const call = (overrides: Partial<CompletionCall> = {}) => completionCall(model, { stop: ['\n'], ...overrides });

const events = (name: string): string[] => sseEvents(`openai/${name}`);

// chat-completion-stream.txt: role, five text chunks, finish, usage, [DONE].
const ROLE = 0;
const FINISH = 6;
const USAGE = 7;
const DONE = 8;
const TEXTS = ['You', ' flew', ' to', ' Lis', 'bon.'];
const USAGE_REPORTED = { input: 188, output: 6, cacheRead: 1024, cacheWrite: 0 };

const sse = (pieces: readonly string[], extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({
  headers: { 'content-type': 'text/event-stream' },
  chunks: pieces.map((piece) => Buffer.from(piece)),
  ...extra,
});
const errorEvent = (error: unknown) => `data: ${JSON.stringify(error)}\n\n`;

const texts = (chunks: readonly CompletionChunk[]) => chunks.flatMap((chunk) => (chunk.type === 'text' ? [chunk.text] : []));

describe('OpenAI-compatible adapter streaming, against a local OpenAI wire server', () => {
  let server: ScriptedServer;
  let adapter: ReturnType<typeof createOpenAiCompatibleAdapter>;
  const transcript = events('chat-completion-stream.txt');

  beforeAll(async () => {
    server = await startScriptedServer();
    adapter = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: `${server.url}/v1/`, apiKey: fixedKey('sk-test') });
  });
  afterAll(() => server.close());

  const streamOf = async (response: ScriptedResponse, overrides: Partial<CompletionCall> = {}) => {
    server.respond(() => response);
    return drainStream(adapter.stream!(call(overrides)));
  };

  it('yields the text in order, then one end with usage normalised as complete does', async () => {
    const { chunks, error } = await streamOf(sse(transcript));
    expect(error).toBe(undefined);
    expect(chunks).toEqual([...TEXTS.map((text) => ({ type: 'text', text })), { type: 'end', finishReason: 'stop', usage: USAGE_REPORTED }]);
  });

  it('asks for a stream with a usage chunk, with the same request fields as complete', async () => {
    await streamOf(sse(transcript));
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe('Bearer sk-test');
    expect(sent.headers['accept']).toBe('text/event-stream');
    expect(JSON.parse(sent.body)).toEqual({
      model: 'remote',
      messages: call().messages,
      max_completion_tokens: 64,
      temperature: 0.5,
      stop: ['\n'],
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('decodes text when a network read ends inside an event and inside a multi-byte character', async () => {
    const whole = Buffer.from(transcript.join('').replace('"bon."', '"boa é"'));
    const accent = whole.indexOf(Buffer.from('é'));
    const cuts = [0, 100, 431, accent + 1, whole.length];
    server.respond(() => ({
      headers: { 'content-type': 'text/event-stream' },
      chunks: cuts.slice(1).map((end, index) => whole.subarray(cuts[index], end)),
      chunkDelayMs: 10,
    }));
    const { chunks, error } = await drainStream(adapter.stream!(call()));
    expect(error).toBe(undefined);
    expect(texts(chunks).join('')).toBe('You flew to Lisboa é');
  });

  it('ends with usage undefined when the provider reports none', async () => {
    const { chunks } = await streamOf(sse(transcript.filter((_, index) => index !== USAGE)));
    expect(chunks.at(-1)).toEqual({ type: 'end', finishReason: 'stop', usage: undefined });
  });

  it('rejects the first iteration on a 429, as throttled with the retry-after', async () => {
    const { chunks, error } = await streamOf({ status: 429, body: fixture('openai/error-rate-limit.json'), headers: { 'retry-after-ms': '644.2' } });
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ kind: 'throttled', status: 429, retryAfterMs: 645, provider: 'local', model: 'local/remote' });
  });

  const refusals: [string, ScriptedResponse, ProviderFailureKind][] = [
    ['400 context_length_exceeded', { status: 400, body: fixture('openai/error-context-length.json') }, 'context_length'],
    ['401 invalid_api_key', { status: 401, body: fixture('openai/error-invalid-api-key.json') }, 'provider_auth'],
    ['429 insufficient_quota', { status: 429, body: fixture('openai/error-insufficient-quota.json') }, 'provider_auth'],
    ['500 server_error', { status: 500, body: fixture('openai/error-server.json') }, 'unavailable'],
    ['504 with no body', { status: 504, body: '' }, 'timeout'],
  ];
  for (const [name, response, kind] of refusals) {
    it(`sorts ${name} before the first chunk as ${kind}, as complete does`, async () => {
      const { chunks, error } = await streamOf(response);
      expect(chunks).toEqual([]);
      expect(error?.kind).toBe(kind);
      expect((await failureOf(server, adapter, response, call())).kind).toBe(kind);
    });
  }

  it('is a connection fault when the connection is cut after the first chunks', async () => {
    const { chunks, error } = await streamOf(sse(transcript, { cutAfterChunks: 3 }));
    expect(texts(chunks)).toEqual(['You', ' flew']);
    expect(error).toMatchObject({ kind: 'connection', usage: undefined });
  });

  it('charges the usage already reported when the stream breaks after it', async () => {
    const { chunks, error } = await streamOf(sse(transcript, { cutAfterChunks: DONE }));
    expect(texts(chunks)).toEqual(TEXTS);
    expect(error).toMatchObject({ kind: 'connection', usage: USAGE_REPORTED });
  });

  it('is a connection fault when the body ends without [DONE]', async () => {
    const { chunks, error } = await streamOf(sse(transcript.slice(0, DONE)));
    expect(chunks.some((chunk) => chunk.type === 'end')).toBe(false);
    expect(error).toMatchObject({ kind: 'connection', usage: USAGE_REPORTED });
  });

  it("times out when the provider stalls past the call's signal", async () => {
    const started = Date.now();
    const stalled = sse([transcript.slice(0, 3).join(''), ...transcript.slice(3)], { chunkDelayMs: 10_000 });
    const { chunks, error } = await streamOf(stalled, { signal: AbortSignal.timeout(300) });
    expect(texts(chunks)).toEqual(['You', ' flew']);
    expect(error?.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is a malformed response when a data: event is not JSON', async () => {
    const { chunks, error } = await streamOf(sse([...transcript.slice(0, 2), 'data: {"id":"chatcmpl-\n\n', ...transcript.slice(2)]));
    expect(texts(chunks)).toEqual(['You']);
    expect(error?.kind).toBe('malformed_response');
  });

  const errorEvents: [string, string, ProviderFailureKind][] = [
    ['server_error (stored)', events('chat-completion-stream-error.txt').at(-1)!, 'unavailable'],
    ['rate_limit_exceeded', errorEvent(fixture('openai/error-rate-limit.json')), 'throttled'],
    ['insufficient_quota', errorEvent(fixture('openai/error-insufficient-quota.json')), 'provider_auth'],
    ["vLLM's numeric code 400", errorEvent({ error: { object: 'error', message: 'bad', type: 'BadRequestError', code: 400 } }), 'rejected'],
    ['an unrecognised type', errorEvent({ error: { message: 'boom', type: 'mystery' } }), 'unavailable'],
  ];
  for (const [name, event, kind] of errorEvents) {
    it(`sorts an in-stream ${name} error event as ${kind}, after the text already given`, async () => {
      const { chunks, error } = await streamOf(sse([...transcript.slice(0, 3), event]));
      expect(texts(chunks)).toEqual(['You', ' flew']);
      expect(error?.kind).toBe(kind);
    });
  }

  it('replays the stored error transcript as text then unavailable', async () => {
    const { chunks, error } = await streamOf(sse(events('chat-completion-stream-error.txt')));
    expect(texts(chunks)).toEqual(['You', ' flew']);
    expect(error).toMatchObject({ kind: 'unavailable', status: 200 });
  });

  it('withholds the end when the content filter stops the answer, keeping the usage to charge', async () => {
    const filtered = transcript.map((event, index) => (index === FINISH ? event.replace('"finish_reason":"stop"', '"finish_reason":"content_filter"') : event));
    const { chunks, error } = await streamOf(sse(filtered));
    expect(chunks.some((chunk) => chunk.type === 'end')).toBe(false);
    expect(error).toMatchObject({ kind: 'content_filter', usage: USAGE_REPORTED });
  });

  it('is a malformed response when the finish reason is one complete does not accept either', async () => {
    const toolCalls = transcript.map((event, index) => (index === FINISH ? event.replace('"finish_reason":"stop"', '"finish_reason":"weird_reason"') : event));
    expect((await streamOf(sse(toolCalls))).error).toMatchObject({ kind: 'malformed_response', usage: USAGE_REPORTED });
  });

  it('closes the connection when the consumer stops reading early', async () => {
    const pieces = [transcript[ROLE]!, ...Array.from({ length: 40 }, (_, index) => transcript[1 + (index % 5)]!), ...transcript.slice(FINISH)];
    const outcome = new Promise<{ chunksSent: number; clientClosed: boolean }>((resolve) => {
      server.respond(() => sse(pieces, { chunkDelayMs: 25, onChunksDone: resolve }));
    });
    for await (const chunk of adapter.stream!(call())) {
      expect(chunk).toEqual({ type: 'text', text: 'You' });
      break;
    }
    const ended = await Promise.race([outcome, new Promise<'still sending'>((resolve) => setTimeout(() => resolve('still sending'), 500))]);
    expect(ended).toMatchObject({ clientClosed: true });
    expect((ended as { chunksSent: number }).chunksSent).toBeLessThan(pieces.length);
  });
});
