/**
 * End to end through the real adapters: the local gateway calls a local
 * Bedrock wire server (through the AWS SDK) and a local OpenAI-compatible wire
 * server (through fetch), driven by the official openai client.
 */
import OpenAI from 'openai';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../support/bedrock-event-stream';
import { fixture } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

// The Bedrock client signs with whatever credentials the default chain finds.
process.env['AWS_ACCESS_KEY_ID'] = 'local';
process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
process.env['AWS_REGION'] = 'us-east-1';

const NOVA = 'bedrock/amazon.nova-lite-v1:0';
const UPSTREAM = 'upstream/gpt-4.1-mini';
const HAIKU = 'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0';

describe('local gateway with real adapters against local provider servers', () => {
  let bedrock: ScriptedServer;
  let upstream: ScriptedServer;
  let gateway: LocalGateway;
  let client: OpenAI;

  beforeAll(async () => {
    bedrock = await startScriptedServer();
    upstream = await startScriptedServer();
    const chain = [NOVA, UPSTREAM];
    const policy = loadPolicy({
      version: 1,
      providers: { upstream: { kind: 'openai-compatible', baseUrl: `${upstream.url}/v1`, apiKeyName: 'UPSTREAM_KEY' } },
      models: {
        [NOVA]: { contextWindow: 300_000, maxOutputTokens: 5000 },
        [HAIKU]: { contextWindow: 200_000, maxOutputTokens: 64_000 },
        [UPSTREAM]: {
          contextWindow: 1_047_576,
          maxOutputTokens: 32_768,
          price: { input: '0.4', output: '1.6', cacheRead: '0.1', source: 'https://platform.openai.com/docs/pricing', asOf: '2026-09-24' },
        },
      },
      tiers: { '0': chain, '1': chain, '2': chain, '3': chain },
      flagship: UPSTREAM,
    });
    gateway = await startLocalGateway({
      port: 0,
      policy,
      simulate: 'none',
      environment: { UPSTREAM_KEY: 'sk-upstream' },
      bedrockEndpoint: bedrock.url,
      retryIntervalMs: 5,
    });
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'caller-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await bedrock.close();
    await upstream.close();
  });
  beforeEach(() => {
    bedrock.requests.length = 0;
    upstream.requests.length = 0;
  });

  const outcomes = async (requestId: string) =>
    (await attemptRows(gateway, requestId)).map((item) => [item['model']!.S, item['outcome']!.S, item['costNanoUsd']!.N]);

  it('answers from Bedrock through the real SDK, read as a stream, signed, with usage priced from the price table', async () => {
    bedrock.respond(() => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-text.json')) }));
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('You flew to Lisbon.');
    expect(data.system_fingerprint).toBe('switchyard');
    expect(response.headers.get('x-switchyard-simulated')).toBe(null);
    expect(data.usage).toEqual({ prompt_tokens: 2236, completion_tokens: 7, total_tokens: 2243, prompt_tokens_details: { cached_tokens: 1024 } });
    expect(bedrock.requests.length).toBe(1);
    expect(bedrock.requests[0]!.path).toBe('/model/amazon.nova-lite-v1%3A0/converse-stream');
    expect(String(bedrock.requests[0]!.headers['authorization'])).toMatch(/^AWS4-HMAC-SHA256/);
    // Nova Lite: 188 in * 0.06 + 7 out * 0.24 + 1024 cache read * 0.015 + 1024 cache write * 0.06 per million
    const expected = 188n * 60n + 7n * 240n + 1024n * 15n + 1024n * 60n;
    expect(await outcomes(response.headers.get('x-switchyard-request-id')!)).toEqual([[NOVA, 'success', String(expected)]]);
  });

  it('rewrites what Claude 4.5 on Bedrock refuses, temperature with top_p, and says so in a header', async () => {
    bedrock.respond(() => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-text.json')) }));
    const { response } = await client.chat.completions
      .create({ model: HAIKU, temperature: 0.3, top_p: 0.9, messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] })
      .withResponse();
    expect(JSON.parse(bedrock.requests[0]!.body).inferenceConfig).toEqual({ maxTokens: 4096, temperature: 0.3 });
    expect(response.headers.get('x-switchyard-adjusted')).toBe('top_p dropped (Claude 4.5 takes temperature or top_p)');
  });

  it('retries a throttled Bedrock through the workflow, then falls back to the OpenAI-compatible host, recording every attempt', async () => {
    bedrock.respond(() => ({ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Too many requests, please wait before trying again.' } }));
    upstream.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly?' }] })
      .withResponse();
    const bedrockTries = 1 + 1 + gateway.policy.fallback.retry.maxAttempts;
    expect(data.model).toBe(UPSTREAM);
    expect(bedrock.requests.length).toBe(bedrockTries);
    expect(response.headers.get('x-switchyard-attempts')).toBe(String(bedrockTries + 1));
    expect(response.headers.get('x-switchyard-fallback-path')).toBe([...Array(bedrockTries).fill(NOVA), UPSTREAM].join(','));
    expect(upstream.requests[0]!.headers['authorization']).toBe('Bearer sk-upstream');
    expect(JSON.parse(upstream.requests[0]!.body).model).toBe('gpt-4.1-mini');
    // 188 * 0.4 + 3 * 1.6 + 1024 * 0.1 per million
    expect(await outcomes(response.headers.get('x-switchyard-request-id')!)).toEqual([
      ...Array(bedrockTries).fill([NOVA, 'throttled', '0']),
      [UPSTREAM, 'success', String(188n * 400n + 3n * 1600n + 1024n * 100n)],
    ]);
  });

  it('answers 502 listing each attempt when every provider fails', async () => {
    bedrock.respond(() => ({ status: 503, headers: { 'x-amzn-errortype': 'ServiceUnavailableException' }, body: { message: 'Bedrock is unable to process your request.' } }));
    upstream.respond(() => ({ status: 500, body: fixture('openai/error-server.json') }));
    await expect(client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      constructor: OpenAI.InternalServerError,
      status: 502,
      code: 'all_candidates_failed',
      message: expect.stringMatching(/bedrock\/amazon.nova-lite-v1:0: unavailable; .*upstream\/gpt-4.1-mini: unavailable/),
    });
  });
});
