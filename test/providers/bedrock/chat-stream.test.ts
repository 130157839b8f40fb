/**
 * This folder: the Bedrock adapter's tests, with the real AWS SDK against a local
 * server that speaks Bedrock's wire format and replays stored responses; one
 * file per piece of `lambda/providers/bedrock/` worth testing on its own.
 */
import { ProviderError, type ProviderFailureKind } from '../../../lambda/core/base/errors';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import type { CompletionChunk } from '../../../lambda/core/model/completion';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../../support/bedrock-event-stream';
import { fixture } from '../../support/fixtures';
import { defaultPolicyDocument } from '../../support/policies';
import { useBedrockWireServer, type BedrockAdapter } from '../../support/bedrock-wire';
import type { ScriptedResponse, ScriptedServer } from '../../support/scripted-server';
import { completionCall } from '../../support/completion-calls';

const model = loadPolicy(defaultPolicyDocument()).models.get('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0')!;
const errors = fixture<Record<string, { status: number; message: string }>>('bedrock/errors.json');
const textFrames = fixture<StreamFrame[]>('bedrock/converse-stream-text.json');
const call = (overrides: Partial<CompletionCall> = {}) => completionCall(model, overrides);

/** A 200 answer streaming these frames, one write each. */
const streamed = (frames: readonly StreamFrame[], extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({
  headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE },
  chunks: encodeFrames(frames),
  ...extra,
});

const text = (value: string): CompletionChunk => ({ type: 'text', text: value });

describe('Bedrock ConverseStream adapter, with the real SDK against a local Bedrock wire server', () => {
  let server: ScriptedServer;
  let adapter: BedrockAdapter;
  useBedrockWireServer((wire) => ({ server, adapter } = wire));

  /** Every chunk the stream yields, and the ProviderError it ends with, if any. */
  async function read(response: ScriptedResponse, overrides: Partial<CompletionCall> = {}) {
    server.respond(() => response);
    const chunks: CompletionChunk[] = [];
    try {
      for await (const chunk of adapter.stream!(call(overrides))) chunks.push(chunk);
    } catch (error) {
      expect(error).toBeInstanceOf(ProviderError);
      return { chunks, error: error as ProviderError };
    }
    return { chunks, error: undefined };
  }

  it('streams the text deltas in order, then one end with the finish reason and the normalised usage', async () => {
    const { chunks, error } = await read(streamed(textFrames));
    expect(error).toBeUndefined();
    expect(chunks).toEqual([
      text('You'),
      text(' flew to'),
      text(' Lisbon.'),
      { type: 'end', finishReason: 'stop', usage: { input: 188, output: 7, cacheRead: 1024, cacheWrite: 1024 } },
    ]);
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/model/global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream');
    expect(JSON.parse(sent.body)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Where did I fly?' }, { text: 'I flew to Lisbon.' }] }],
      system: [{ text: 'Answer in one sentence.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    });
  });

  it('sends the cachePoints in the ConverseStream request when the call asks to cache the prompt, and none otherwise', async () => {
    await read(streamed(textFrames), { cachePrompt: true });
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Where did I fly?' }, { text: 'I flew to Lisbon.' }, { cachePoint: { type: 'default' } }] }],
      system: [{ text: 'Answer in one sentence.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    });
    await read(streamed(textFrames), { cachePrompt: false });
    expect(server.requests.at(-1)!.body).not.toContain('cachePoint');
  });

  it('maps stopReason max_tokens to finish reason length, as complete does', async () => {
    const frames = textFrames.map((frame) =>
      'event' in frame && frame.event === 'messageStop' ? { event: 'messageStop', body: { stopReason: 'max_tokens' } } : frame,
    );
    const { chunks } = await read(streamed(frames));
    expect(chunks.at(-1)).toMatchObject({ type: 'end', finishReason: 'length' });
  });

  it('ends with usage undefined when the stream ends without a metadata event', async () => {
    const { chunks, error } = await read(streamed(textFrames.slice(0, -1)));
    expect(error).toBeUndefined();
    expect(chunks.at(-1)).toEqual({ type: 'end', finishReason: 'stop', usage: undefined });
  });

  it('rejects the first next() with throttled when Bedrock answers 429 ThrottlingException before any event', async () => {
    const { status, message } = errors['ThrottlingException']!;
    server.respond(() => ({
      status,
      headers: { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
      body: { message },
    }));
    const iterator = adapter.stream!(call())[Symbol.asyncIterator]();
    const first = iterator.next();
    await expect(first).rejects.toBeInstanceOf(ProviderError);
    await expect(first).rejects.toMatchObject({ kind: 'throttled', status: 429, usage: undefined });
  });

  it('rejects after the chunks already streamed when a modelStreamErrorException event arrives', async () => {
    const { chunks, error } = await read(streamed(fixture<StreamFrame[]>('bedrock/converse-stream-exception.json')));
    expect(chunks).toEqual([text('You'), text(' flew to')]);
    expect(error).toMatchObject({ kind: 'unavailable', status: 200, usage: undefined });
    expect(error!.message).toMatch(/^ModelStreamErrorException \(exception event in the stream\)/);
  });

  const exceptionEvents: [string, string, ProviderFailureKind][] = [
    ['throttlingException', errors['ThrottlingException']!.message, 'throttled'],
    ['internalServerException', errors['InternalServerException']!.message, 'unavailable'],
    ['serviceUnavailableException', errors['ServiceUnavailableException']!.message, 'unavailable'],
    ['validationException', errors['ValidationException.other']!.message, 'rejected'],
    ['validationException', errors['ValidationException.input']!.message, 'context_length'],
  ];
  for (const [exception, message, kind] of exceptionEvents) {
    it(`sorts a ${exception} event ("${message.slice(0, 30)}...") as ${kind}, as complete sorts the HTTP error`, async () => {
      const { chunks, error } = await read(streamed([...textFrames.slice(0, 2), { exception, body: { message } }]));
      expect(chunks).toEqual([text('You')]);
      expect(error?.kind).toBe(kind);
    });
  }

  it('carries the reported usage when an exception event follows the metadata event', async () => {
    const { chunks, error } = await read(streamed([...textFrames, { exception: 'internalServerException', body: { message: 'late' } }]));
    expect(chunks.map((chunk) => chunk.type)).toEqual(['text', 'text', 'text']);
    expect(error).toMatchObject({ kind: 'unavailable', usage: { input: 188, output: 7, cacheRead: 1024, cacheWrite: 1024 } });
  });

  it('rejects with content_filter carrying the usage when the guardrail intervened', async () => {
    const { error } = await read(streamed(fixture<StreamFrame[]>('bedrock/converse-stream-guardrail.json')));
    expect(error).toMatchObject({ kind: 'content_filter', usage: { input: 31, output: 0, cacheRead: 0, cacheWrite: 0 } });
  });

  it('rejects with connection after the chunks already sent when the connection is cut mid-stream', async () => {
    const { chunks, error } = await read(streamed(textFrames, { cutAfterChunks: 3 }));
    expect(chunks).toEqual([text('You'), text(' flew to')]);
    expect(error?.kind).toBe('connection');
  });

  it('rejects with connection when the stream ends cleanly before its messageStop event', async () => {
    const { chunks, error } = await read(streamed(textFrames.slice(0, 3)));
    expect(chunks).toEqual([text('You'), text(' flew to')]);
    expect(error).toMatchObject({ kind: 'connection', status: 200 });
  });

  it("rejects with timeout when the stream stalls past the call's signal", async () => {
    const [first, ...rest] = encodeFrames(textFrames);
    const stalled = { headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: [Buffer.concat([first!, rest[0]!]), ...rest.slice(1)], chunkDelayMs: 5000 };
    const started = Date.now();
    const { chunks, error } = await read(stalled, { signal: AbortSignal.timeout(150) });
    expect(chunks).toEqual([text('You')]);
    expect(error?.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('aborts the HTTP request when the consumer breaks out of the loop', async () => {
    let done!: (outcome: { chunksSent: number; clientClosed: boolean }) => void;
    const outcome = new Promise<{ chunksSent: number; clientClosed: boolean }>((resolve) => (done = resolve));
    server.respond(() => streamed(textFrames, { chunkDelayMs: 100, onChunksDone: done }));
    const received: CompletionChunk[] = [];
    for await (const chunk of adapter.stream!(call())) {
      received.push(chunk);
      break;
    }
    expect(received).toEqual([text('You')]);
    const { chunksSent, clientClosed } = await outcome;
    expect(clientClosed).toBe(true);
    expect(chunksSent).toBeLessThan(textFrames.length);
  });
});
