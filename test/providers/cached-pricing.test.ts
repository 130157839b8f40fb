/**
 * What a cached prompt costs, end to end: a stored provider response goes
 * through the real adapter, its usage is priced with `costOf` and the model's
 * compiled price from the default policy, and the result must equal a figure
 * worked out by hand from the list prices (USD per million tokens) in the
 * comment above it. 1 USD per million tokens is 1,000 nano-USD per token.
 */
import { costOf, formatUsd } from '../../lambda/core/accounting/money';
import type { ModelSpec } from '../../lambda/policy/policy';
import type { CompletionCall } from '../../lambda/core/model/provider';
import type { CompletionChunk } from '../../lambda/core/model/completion';
import type { TokenUsage } from '../../lambda/core/model/usage';
import { createBedrockAdapter } from '../../lambda/providers/bedrock/bedrock-provider';
import { fixedKey } from '../../lambda/providers/api-keys';
import { createOpenAiCompatibleAdapter } from '../../lambda/providers/openai-compatible/openai-compatible-provider';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../support/bedrock-event-stream';
import { completionCall } from '../support/completion-calls';
import { fixture, sseEvents } from '../support/fixtures';
import { defaultPolicy } from '../support/policies';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';
import { bedrockAdapterFor } from '../support/bedrock-wire';

const models = defaultPolicy().models;
const model = (id: string) => models.get(id)!;
const HAIKU = model('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0');
const OPUS = model('bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0');
const NOVA_MICRO = model('bedrock/amazon.nova-micro-v1:0');
const GPT_5_MINI = model('openai/gpt-5-mini');
const GPT_4_1_MINI = model('openai/gpt-4.1-mini');

/** The usage a stream ended with. */
async function streamedUsage(stream: AsyncIterable<CompletionChunk>): Promise<TokenUsage | undefined> {
  let usage: TokenUsage | undefined;
  for await (const chunk of stream) if (chunk.type === 'end') usage = chunk.usage;
  return usage;
}

describe('Cached prompt pricing, from a provider response to nano-USD', () => {
  let server: ScriptedServer;
  let bedrock: ReturnType<typeof createBedrockAdapter>;
  let openai: ReturnType<typeof createOpenAiCompatibleAdapter>;
  beforeAll(async () => {
    server = await startScriptedServer();
    bedrock = bedrockAdapterFor(server);
    openai = createOpenAiCompatibleAdapter({ provider: 'openai', baseUrl: `${server.url}/v1`, apiKey: fixedKey('sk-test') });
  });
  afterAll(() => server.close());

  const call = (spec: ModelSpec, overrides: Partial<CompletionCall> = {}) => completionCall(spec, { cachePrompt: true, ...overrides });

  it('prices a Claude Haiku 4.5 Converse answer with cache writes at 1.25x and cache reads at 0.1x the input price', async () => {
    server.respond(() => ({ body: fixture('bedrock/converse-cached.json') }));
    const { usage } = await bedrock.complete(call(HAIKU));
    expect(usage).toEqual({ input: 12, output: 11, cacheRead: 4608, cacheWrite: 255 });

    // Haiku 4.5: input $1, output $5, cache read $0.10, cache write $1.25 per million tokens.
    //   input           12 x 1,000 nano =  12,000
    //   output          11 x 5,000 nano =  55,000
    //   cache read   4,608 x   100 nano = 460,800
    //   cache write    255 x 1,250 nano = 318,750
    //   total                           = 846,550 nano-USD = $0.000846550
    const cost = costOf(usage, HAIKU.price);
    expect(cost).toBe(846_550n);
    expect(formatUsd(cost)).toBe('0.000846550');
  });

  it('prices one-hour cache writes from the TTL breakdown Converse reports, at 2x input instead of 1.25x', async () => {
    const answer = fixture<Record<string, unknown> & { usage: Record<string, unknown> }>('bedrock/converse-cached.json');
    const oneHour = { ...answer, usage: { ...answer.usage, cacheDetails: [{ ttl: '1h', inputTokens: 200 }, { ttl: '5m', inputTokens: 55 }] } };
    server.respond(() => ({ body: JSON.stringify(oneHour) }));
    const { usage } = await bedrock.complete(call(HAIKU));
    expect(usage).toEqual({ input: 12, output: 11, cacheRead: 4608, cacheWrite: 255, cacheWrite1h: 200 });
    // As above, but 200 of the 255 written tokens at $2 (2,000 nano) and 55 at $1.25: 12,000 + 55,000 + 460,800 + 400,000 + 68,750.
    expect(costOf(usage, HAIKU.price)).toBe(996_550n);
  });

  it('prices a Claude Opus 4.5 ConverseStream answer from the cache counts in its metadata event', async () => {
    server.respond(() => ({
      headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE },
      chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-cached.json')),
    }));
    const usage = await streamedUsage(bedrock.stream!(call(OPUS)));
    expect(usage).toEqual({ input: 3, output: 7, cacheRead: 4352, cacheWrite: 1877 });

    // Opus 4.5: input $5, output $25, cache read $0.50, cache write $6.25 per million tokens.
    //   input            3 x  5,000 nano =         15,000
    //   output           7 x 25,000 nano =        175,000
    //   cache read   4,352 x    500 nano =      2,176,000
    //   cache write  1,877 x  6,250 nano =     11,731,250
    //   total                            =     14,097,250 nano-USD = $0.014097250
    expect(costOf(usage!, OPUS.price)).toBe(14_097_250n);
  });

  it('prices Nova Micro cache reads at a quarter of input and writes at input, rounding the half nano-USD up once', async () => {
    server.respond(() => ({ body: fixture('bedrock/converse-nova-cached.json') }));
    const { usage } = await bedrock.complete(call(NOVA_MICRO));
    expect(usage).toEqual({ input: 41, output: 23, cacheRead: 1534, cacheWrite: 1106 });

    // Nova Micro: input $0.035, output $0.14, cache read $0.00875, cache write $0.035 per million tokens.
    //   input           41 x  35    nano =  1,435
    //   output          23 x 140    nano =  3,220
    //   cache read   1,534 x   8.75 nano = 13,422.5
    //   cache write  1,106 x  35    nano = 38,710
    //   total                            = 56,787.5, rounded half up once = 56,788 nano-USD = $0.000056788
    expect(costOf(usage, NOVA_MICRO.price)).toBe(56_788n);
  });

  it('prices an OpenAI gpt-5-mini answer whose prompt_tokens include cached_tokens, reasoning tokens as output', async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion-cached.json') }));
    const { usage } = await openai.complete(call(GPT_5_MINI));
    expect(usage).toEqual({ input: 386, output: 300, cacheRead: 1920, cacheWrite: 0, reasoning: 192 });

    // gpt-5-mini: input $0.25, cached input $0.025, output $2 per million tokens.
    // prompt_tokens 2,306 include the 1,920 cached ones; completion_tokens 300 include 192 reasoning tokens.
    //   input      2,306 - 1,920 = 386 x   250 nano =  96,500
    //   cache read             1,920 x    25 nano =  48,000
    //   output                   300 x 2,000 nano = 600,000
    //   total                                     = 744,500 nano-USD = $0.000744500
    expect(costOf(usage, GPT_5_MINI.price)).toBe(744_500n);
  });

  it('prices the usage chunk of an OpenAI gpt-4.1-mini stream the same way, cached input at a quarter', async () => {
    server.respond(() => ({
      headers: { 'content-type': 'text/event-stream' },
      chunks: sseEvents('openai/chat-completion-stream.txt').map((event) => Buffer.from(event)),
    }));
    const usage = await streamedUsage(openai.stream!(call(GPT_4_1_MINI)));
    expect(usage).toEqual({ input: 188, output: 6, cacheRead: 1024, cacheWrite: 0 });

    // gpt-4.1-mini: input $0.40, cached input $0.10, output $1.60 per million tokens.
    //   input      1,212 - 1,024 = 188 x   400 nano =  75,200
    //   cache read             1,024 x   100 nano = 102,400
    //   output                     6 x 1,600 nano =   9,600
    //   total                                     = 187,200 nano-USD = $0.000187200
    expect(costOf(usage!, GPT_4_1_MINI.price)).toBe(187_200n);
  });
});
