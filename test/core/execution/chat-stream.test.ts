import { createMemoryFeedbackStore } from '../../../lambda/core/features/feedback';
import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import { createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { ProviderError, type ProviderFailureKind } from '../../../lambda/core/base/errors';
import { createGateway } from '../../../lambda/core/gateway/create-gateway';
import type { GatewayResponse } from '../../../lambda/core/gateway/types';
import { createInProcessFallback } from '../../../lambda/core/execution/in-process-fallback';
import { OVERRUN_ALLOWED } from '../../../lambda/core/execution/chat-stream';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import type { ProviderRegistry } from '../../../lambda/core/model/provider';
import type { CompletionChunk } from '../../../lambda/core/model/completion';
import type { TokenUsage } from '../../../lambda/core/model/usage';
import type { Policy } from '../../../lambda/policy/policy';
import { testPolicy } from '../../support/policies';

const policy = testPolicy();

/** What a scripted model streams: text pieces, then an end or a failure. */
interface StreamScript {
  readonly before?: ProviderFailureKind;
  readonly pieces?: readonly string[];
  readonly after?: { readonly kind: ProviderFailureKind; readonly usage?: TokenUsage };
  readonly usage?: TokenUsage | null;
  /** After the pieces, keep sending a piece every 50 ms until the call's signal fires, then fail as a timed-out call does. */
  readonly drip?: boolean;
}

const usage = (input: number, output: number): TokenUsage => ({ input, output, cacheRead: 0, cacheWrite: 0 });

function streamingRegistry(scripts: Readonly<Record<string, StreamScript>>) {
  const calls: string[] = [];
  const closed: string[] = [];
  const registry: ProviderRegistry = {
    isSimulated: () => false,
    get: (provider) => ({
      complete: async () => {
        throw new Error('a streamed request never calls complete');
      },
      stream: (call) => {
        const script = scripts[call.model.id] ?? {};
        calls.push(call.model.id);
        const fail = (kind: ProviderFailureKind, reported?: TokenUsage) =>
          new ProviderError(kind, `scripted ${kind}`, { provider, model: call.model.id, ...(reported ? { usage: reported } : {}) });
        return (async function* (): AsyncGenerator<CompletionChunk> {
          try {
            if (script.before) throw fail(script.before);
            for (const text of script.pieces ?? ['Lis', 'bon.']) yield { type: 'text', text };
            while (script.drip) {
              if (call.signal.aborted) throw fail('timeout');
              await new Promise((resolve) => setTimeout(resolve, 50));
              yield { type: 'text', text: '.' };
            }
            if (script.after) throw fail(script.after.kind, script.after.usage);
            yield { type: 'end', finishReason: 'stop', usage: script.usage === null ? undefined : (script.usage ?? usage(12, 3)) };
          } finally {
            closed.push(call.model.id);
          }
        })();
      },
    }),
  };
  return { registry, calls, closed };
}

function harness(scripts: Readonly<Record<string, StreamScript>>, policyInUse: Policy = policy) {
  const { registry, calls, closed } = streamingRegistry(scripts);
  const ledger = createMemoryLedger();
  const circuits = createMemoryCircuitStore({ failureThreshold: 100, cooldownSeconds: 30 });
  const dependencies = {
    policy: policyInUse,
    providers: registry,
    ledger,
    circuits,
    budgets: createMemoryBudgetStore(),
    clock: { now: () => Date.now() },
    log: { info: () => undefined, error: () => undefined },
  };
  const gateway = createGateway({
    ...dependencies,
    fallback: createInProcessFallback(dependencies, { sleep: async () => undefined }),
    usage: { readDay: async () => Promise.reject(new Error('unused')) },
    feedback: createMemoryFeedbackStore(),
  });
  const send = (body: Record<string, unknown>, tier = '0', deadlineMs = 5000) =>
    gateway({
      requestId: 'req-1',
      method: 'POST',
      path: '/chat/completions',
      headers: { 'x-switchyard-tier': tier },
      query: {},
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }], stream: true, ...body }),
      callerId: 'key:abc0000000000000',
      deadline: Date.now() + deadlineMs,
    });
  return { send, ledger, calls, closed, circuits };
}

async function read(response: GatewayResponse): Promise<unknown[]> {
  const frames: unknown[] = [];
  for await (const event of response.stream!.events) {
    expect(event).toMatch(/^data: .*\n\n$/s);
    const data = event.slice('data: '.length, -2);
    frames.push(data === '[DONE]' ? '[DONE]' : JSON.parse(data));
  }
  return frames;
}

describe('gateway: POST /chat/completions with stream: true', () => {
  it("streams OpenAI's chunks, then finish, usage and [DONE], and records the provider's usage once", async () => {
    const { send, ledger } = harness({});
    const response = await send({ stream_options: { include_usage: true } });
    expect([response.status, response.headers['content-type'], response.body]).toEqual([200, 'text/event-stream; charset=utf-8', '']);
    expect(response.headers['x-switchyard-model']).toBe('mock/small');
    const frames = (await read(response)) as Record<string, any>[];
    expect(frames.slice(0, -1).every((frame) => frame['object'] === 'chat.completion.chunk' && frame['id'] === 'chatcmpl-req-1')).toBe(true);
    expect(frames.slice(0, 4).map((frame) => frame['choices'][0].delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Lis' }, { content: 'bon.' }, {}]);
    expect(frames[3]!['choices'][0].finish_reason).toBe('stop');
    expect(frames[4]).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 } });
    expect(frames[5]).toBe('[DONE]');
    expect(ledger.records.map((record) => [record.attempt, record.model, record.outcome, record.usage.output, record.estimated])).toEqual([[1, 'mock/small', 'success', 3, false]]);
    expect((await response.stream!.summary).attempts).toBe(1);
  });

  it('sends no usage chunk unless asked, and estimates usage a provider did not report', async () => {
    const { send, ledger } = harness({ 'mock/small': { usage: null } });
    const frames = await read(await send({}));
    expect(frames.some((frame) => typeof frame === 'object' && frame !== null && 'usage' in frame)).toBe(false);
    expect(frames.at(-1)).toBe('[DONE]');
    // 'Lisbon.' is 7 characters: 2 tokens; the prompt is 34 characters plus framing: 9 + 4.
    expect([ledger.records[0]!.usage, ledger.records[0]!.estimated]).toEqual([usage(13, 2), true]);
  });

  it('falls back before the first byte: the caller sees only the next model, and the ledger every attempt', async () => {
    const { send, ledger, calls } = harness({ 'mock/small': { before: 'content_filter' } });
    const response = await send({});
    expect(response.headers['x-switchyard-fallback-path']).toBe('mock/small,mock/medium');
    expect(response.headers['x-switchyard-attempts']).toBe('2');
    const frames = (await read(response)) as Record<string, any>[];
    expect(frames[0]!['model']).toBe('mock/medium');
    expect(calls).toEqual(['mock/small', 'mock/medium']);
    expect(ledger.records.map((record) => `${record.attempt} ${record.model} ${record.outcome}`)).toEqual(['1 mock/small content_filter', '2 mock/medium success']);
  });

  it('answers a chain that fails before any byte with the usual JSON error, not a stream', async () => {
    const { send } = harness({ 'mock/small': { before: 'rejected' } });
    const response = await send({});
    expect([response.status, response.stream, JSON.parse(response.body).error.code]).toEqual([400, undefined, 'provider_rejected']);
  });

  it('ends a stream that breaks after the first byte with an error event and no [DONE], recording the usage reported', async () => {
    const { send, ledger } = harness({ 'mock/small': { after: { kind: 'connection', usage: usage(12, 1) } } });
    const frames = (await read(await send({}))) as Record<string, any>[];
    expect(frames).not.toContain('[DONE]');
    expect(frames.at(-1)).toEqual({
      error: {
        message: 'mock/small stopped answering after the stream began (connection). Request id: req-1.',
        type: 'upstream_error',
        param: null,
        code: 'stream_interrupted',
      },
    });
    expect(ledger.records.map((record) => [record.outcome, record.usage, record.estimated])).toEqual([['connection', usage(12, 1), false]]);
  });

  it('cuts a host that writes past the output cap it was sent, ends its call, and charges what it wrote, so a block budget holds', async () => {
    // A host that ignores max_tokens: 100 pieces of 40 characters (about 1,000 tokens) against a cap of 50.
    const piece = 'x'.repeat(40);
    const { send, ledger, closed } = harness({ 'mock/small': { pieces: Array.from({ length: 100 }, () => piece) } });
    const frames = (await read(await send({ max_tokens: 50 }))) as Record<string, any>[];
    const text = frames.flatMap((frame) => (typeof frame === 'object' ? (frame['choices'] ?? []) : [])).map((choice: any) => choice.delta?.content ?? '').join('');
    expect(frames.at(-1)).toBe('[DONE]');
    expect(frames.flatMap((frame) => (typeof frame === 'object' ? (frame['choices'] ?? []) : [])).some((choice: any) => choice.finish_reason === 'length')).toBe(true);
    // Cut at the first piece past 1.25 x 50 tokens (250 characters): 7 pieces of the 100.
    expect(OVERRUN_ALLOWED).toBe(1.25);
    expect(text.length).toBe(7 * 40);
    expect(closed).toEqual(['mock/small']);
    expect(ledger.records.map((record) => [record.outcome, record.usage.output, record.estimated])).toEqual([['success', 70, true]]);
  });

  it('ends the provider call when the reader goes away, and charges the estimated use so far', async () => {
    const { send, ledger, closed } = harness({ 'mock/small': { pieces: ['one ', 'two ', 'three ', 'four'] } });
    const response = await send({});
    for await (const event of response.stream!.events) if (event.includes('two')) break;
    expect(closed).toEqual(['mock/small']);
    const summary = await response.stream!.summary;
    expect(summary.failures).toEqual(['aborted']);
    expect(ledger.records.map((record) => [record.outcome, record.usage.output, record.estimated])).toEqual([['aborted', 2, true]]);
  });

  it('ends the provider call and records it when the reader leaves before reading anything', async () => {
    const { send, ledger, closed } = harness({});
    const response = await send({});
    await response.stream!.events[Symbol.asyncIterator]().return?.(undefined);
    expect(closed).toEqual(['mock/small']);
    expect((await response.stream!.summary).failures).toEqual(['aborted']);
    expect(ledger.records.map((record) => [record.outcome, record.estimated])).toEqual([['aborted', true]]);
  });

  it('ends a stream that never stops, each chunk well inside the idle limit, at the request deadline with an error event of its own', async () => {
    const { send, ledger, circuits } = harness({ 'mock/small': { drip: true } });
    const started = Date.now();
    const frames = (await read(await send({}, '0', 400))) as Record<string, any>[];
    expect(Date.now() - started).toBeLessThan(2000);
    expect(frames.at(-1)!['error'].message).toMatch(/stopped answering after the stream began \(timeout\)/);
    expect(ledger.records.map((record) => [record.outcome, record.estimated])).toEqual([['timeout', true]]);
    // The request's own deadline says nothing about the model's health.
    expect((await circuits.read(['mock/small'])).get('mock/small')!.failures).toBe(0);
  });

  it("does not blame the provider for a slow reader: the idle limit runs only while the next chunk is awaited", async () => {
    const quick = testPolicy({ fallback: { attemptTimeoutSeconds: 1 } } as never);
    const { send, ledger } = harness({ 'mock/small': { pieces: ['Lis', 'bon.'] } }, quick);
    const response = await send({});
    const events = response.stream!.events[Symbol.asyncIterator]();
    await events.next();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rest: string[] = [];
    for (let next = await events.next(); !next.done; next = await events.next()) rest.push(next.value);
    expect(rest.at(-1)).toBe('data: [DONE]\n\n');
    expect(ledger.records.map((record) => record.outcome)).toEqual(['success']);
  });

  it('refuses stream_options without stream', async () => {
    const { send } = harness({});
    const response = await send({ stream: false, stream_options: { include_usage: true } });
    expect([response.status, JSON.parse(response.body).error.param]).toEqual([400, 'stream_options']);
  });
});
