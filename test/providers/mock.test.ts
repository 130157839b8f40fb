import { drainStream } from '../support/drain-stream';
import type { CompletionChunk } from '../../lambda/core/model/completion';
import { ProviderError } from '../../lambda/core/base/errors';
import { createMockAdapter } from '../../lambda/providers/mock';
import { completionCall } from '../support/completion-calls';
import { testPolicy } from '../support/policies';

const model = testPolicy().models.get('mock/medium')!;
const call = (maxTokens: number, signal = AbortSignal.timeout(1000)) =>
  completionCall(model, { messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse keeper.' }], maxTokens, temperature: undefined, signal });

describe('mock provider', () => {
  it('answers deterministically, labelled as simulated, with usage shaped like a real model', async () => {
    const adapter = createMockAdapter({ provider: 'mock' });
    const first = await adapter.complete(call(500));
    expect(first).toEqual(await adapter.complete(call(500)));
    expect(first.simulated).toBe(true);
    expect(first.content).toMatch(/^\[simulated by Switchyard's mock provider/);
    expect(first.usage.input).toBe(16);
    expect(first.usage.output > 10 && first.usage.output < 100).toBeTruthy();
    expect(first.finishReason).toBe('stop');
  });

  it('respects max_tokens and reports the cut as finish_reason length', async () => {
    const result = await createMockAdapter({ provider: 'mock' }).complete(call(5));
    expect(result.usage.output).toBe(5);
    expect(result.finishReason).toBe('length');
  });

  it('waits its configured latency and gives up at the deadline', async () => {
    const adapter = createMockAdapter({ provider: 'mock', latencyMs: 200 });
    await expect(adapter.complete(call(50, AbortSignal.timeout(20)))).rejects.toMatchObject({ kind: 'timeout' });
  });
});

describe('mock provider with tools and images', () => {
  const lookup = { name: 'lookup', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] } };
  const ask = { role: 'user' as const, content: 'Weather?' };

  it('calls the tool tool_choice names, with placeholder arguments for its required properties', async () => {
    const completion = await createMockAdapter({ provider: 'mock' }).complete(
      completionCall(model, { messages: [ask], tools: [{ name: 'other' }, lookup], toolChoice: { name: 'lookup' } }),
    );
    expect(completion).toMatchObject({ content: '', finishReason: 'tool_calls', toolCalls: [{ id: expect.stringMatching(/^call_mock_/), name: 'lookup', arguments: '{"city":"simulated","days":0}' }] });
  });

  it('answers in text once the tool result is in, or when tool_choice is none, and counts images', async () => {
    const adapter = createMockAdapter({ provider: 'mock' });
    const history = [ask, { role: 'assistant' as const, content: '', toolCalls: [{ id: 'c1', name: 'lookup', arguments: '{}' }] }, { role: 'tool' as const, content: 'sunny', toolCallId: 'c1' }];
    expect((await adapter.complete(completionCall(model, { messages: history, tools: [lookup] }))).content).toMatch(/read the result of 1 tool call/);
    expect((await adapter.complete(completionCall(model, { messages: [ask], tools: [lookup], toolChoice: 'none' }))).finishReason).toBe('stop');
    const withImage = { ...ask, parts: [{ type: 'image' as const, image: { url: 'https://example.com/a.png' } }, { type: 'text' as const, text: 'Weather?' }] };
    expect((await adapter.complete(completionCall(model, { messages: [withImage] }))).content).toMatch(/1 words and 1 image\(s\)/);
  });

  it('answers in text when tools are only offered, so an agent that offers its tools every turn can finish', async () => {
    const adapter = createMockAdapter({ provider: 'mock' });
    for (const toolChoice of [undefined, 'auto' as const]) {
      const completion = await adapter.complete(completionCall(model, { messages: [ask], tools: [lookup], toolChoice }));
      expect(completion).toMatchObject({ finishReason: 'stop', content: expect.stringMatching(/^\[simulated/) });
      expect(completion.toolCalls).toBeUndefined();
    }
    expect((await adapter.complete(completionCall(model, { messages: [ask], tools: [lookup], toolChoice: 'required' }))).toolCalls).toHaveLength(1);
  });

  it('plays a scripted session: step N answers the turn after N assistant messages, then plain text', async () => {
    const scripted = {
      ...model,
      simulation: { ...model.simulation, script: [{ toolCall: { name: 'lookup', arguments: { city: 'Lisbon' } } }, { reply: 'It is sunny in Lisbon.' }] },
    };
    const adapter = createMockAdapter({ provider: 'mock' });
    const first = await adapter.complete(completionCall(scripted, { messages: [ask], tools: [lookup] }));
    expect(first.toolCalls).toEqual([{ id: expect.stringMatching(/^call_mock_/), name: 'lookup', arguments: '{"city":"Lisbon","days":0}' }]);
    const history = [ask, { role: 'assistant' as const, content: '', toolCalls: first.toolCalls! }, { role: 'tool' as const, content: 'sunny', toolCallId: first.toolCalls![0]!.id }];
    expect((await adapter.complete(completionCall(scripted, { messages: history, tools: [lookup] }))).content).toBe('It is sunny in Lisbon.');
    const past = [...history, { role: 'assistant' as const, content: 'It is sunny in Lisbon.' }, { role: 'user' as const, content: 'Thanks' }];
    expect((await adapter.complete(completionCall(scripted, { messages: past, tools: [lookup] }))).content).toMatch(/^\[simulated/);
    // A scripted tool the request does not offer is answered in text.
    expect((await adapter.complete(completionCall(scripted, { messages: [ask], tools: [] }))).finishReason).toBe('stop');
  });

  it('answers a JSON schema with a value of that schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 12 },
        age: { type: 'integer', minimum: 18 },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 2 },
        address: { $ref: '#/$defs/address' },
        nickname: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        kind: { const: 'person' },
      },
      required: ['name', 'age', 'tags', 'address', 'nickname', 'kind'],
      additionalProperties: false,
      $defs: { address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: ['string', 'null'], format: 'date' } }, required: ['city', 'zip'] } },
    };
    const completion = await createMockAdapter({ provider: 'mock' }).complete(
      completionCall(model, { messages: [ask], maxTokens: 500, responseFormat: { type: 'json_schema', jsonSchema: { name: 'person', schema } } }),
    );
    expect(JSON.parse(completion.content)).toEqual({
      name: 'simulated...',
      age: 18,
      tags: ['a', 'a'],
      address: { city: 'simulated', zip: '2026-01-01' },
      nickname: 'simulated',
      kind: 'person',
    });
  });

  it('answers a recursive or outsized schema at once, with null where a $ref comes back and lengths capped', async () => {
    const tree = { $defs: { node: { type: 'object', properties: { a: { $ref: '#/$defs/node' }, b: { $ref: '#/$defs/node' }, c: { $ref: '#/$defs/node' } }, required: ['a', 'b', 'c'] } }, $ref: '#/$defs/node' };
    const huge = { type: 'object', properties: { list: { type: 'array', minItems: 5e9, items: { type: 'string', minLength: 2e9 } } } };
    const adapter = createMockAdapter({ provider: 'mock' });
    const started = Date.now();
    const recursive = await adapter.complete(completionCall(model, { messages: [ask], maxTokens: 500, responseFormat: { type: 'json_schema', jsonSchema: { name: 'tree', schema: tree } } }));
    expect(JSON.parse(recursive.content)).toEqual({ a: null, b: null, c: null });
    const outsized = await adapter.complete(completionCall(model, { messages: [ask], maxTokens: 5000, responseFormat: { type: 'json_schema', jsonSchema: { name: 'huge', schema: huge } } }));
    const { list } = JSON.parse(outsized.content) as { list: string[] };
    expect([list.length, list[0]!.length]).toEqual([64, 64]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('streams a tool call as its start and a second argument piece', async () => {
    const chunks: CompletionChunk[] = [];
    for await (const chunk of createMockAdapter({ provider: 'mock' }).stream!(completionCall(model, { messages: [ask], tools: [lookup], toolChoice: 'required' }))) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.type)).toEqual(['tool_call', 'tool_call', 'end']);
    expect(chunks.flatMap((chunk) => (chunk.type === 'tool_call' ? [chunk.arguments] : [])).join('')).toBe('{"city":"simulated","days":0}');
  });
});

describe('mock provider streaming', () => {
  const failing = (failures: ProviderError['kind'][]) => ({ ...model, simulation: { latencyMs: 0, failureRate: 1, failures } });

  for (const maxTokens of [500, 10]) {
    it(`streams what complete answers in several text chunks, then one end with its usage (max_tokens ${maxTokens})`, async () => {
      const adapter = createMockAdapter({ provider: 'mock' });
      const completion = await adapter.complete(call(maxTokens));
      const { chunks, error } = await drainStream(adapter.stream!(call(maxTokens)));
      expect(error).toBe(undefined);
      const texts = chunks.slice(0, -1);
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.every((chunk) => chunk.type === 'text')).toBe(true);
      expect(texts.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('')).toBe(completion.content);
      expect(chunks.at(-1)).toEqual({ type: 'end', finishReason: completion.finishReason, usage: completion.usage });
    });
  }

  it('rejects before the first chunk when a fault is drawn, with what complete rejects with', async () => {
    const adapter = createMockAdapter({ provider: 'mock', random: () => 0 });
    const faulty = { ...call(500), model: failing(['throttled', 'content_filter']) };
    const { chunks, error } = await drainStream(adapter.stream!(faulty));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'throttled', status: 429 });

    const filtered = { ...call(500), model: failing(['content_filter']) };
    const streamed = await drainStream(adapter.stream!(filtered));
    const completed = await adapter.complete(filtered).catch((rejection: unknown) => rejection);
    expect(streamed.chunks).toEqual([]);
    expect(streamed.error).toEqual(completed);
    expect(streamed.error).toMatchObject({ kind: 'content_filter', usage: { input: 16, output: 12, cacheRead: 0, cacheWrite: 0 } });
  });

  it('gives up with timeout when the deadline passes during its latency', async () => {
    const adapter = createMockAdapter({ provider: 'mock', latencyMs: 200 });
    const { chunks, error } = await drainStream(adapter.stream!(call(50, AbortSignal.timeout(20))));
    expect(chunks).toEqual([]);
    expect(error).toMatchObject({ kind: 'timeout' });
  });

  it('stops with timeout when the deadline passes while the consumer is between chunks', async () => {
    const deadline = new AbortController();
    const chunks: CompletionChunk[] = [];
    const reading = (async () => {
      for await (const chunk of createMockAdapter({ provider: 'mock' }).stream!(call(500, deadline.signal))) {
        chunks.push(chunk);
        deadline.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ kind: 'timeout' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.type).toBe('text');
  });
});
