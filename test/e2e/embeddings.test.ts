/**
 * Embeddings end to end: the official openai client's `embeddings.create`
 * against the local gateway, served by Titan Text Embeddings v2 through the
 * real Bedrock SDK against a local Bedrock wire server, and by an
 * OpenAI-compatible host; each call priced, recorded and shown in usage.
 */
import OpenAI from 'openai';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { fixture } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { spentToday } from '../support/spent-today';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

// The Bedrock client signs with whatever credentials the default chain finds.
process.env['AWS_ACCESS_KEY_ID'] = 'local';
process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
process.env['AWS_REGION'] = 'us-east-1';

const TITAN = 'bedrock/amazon.titan-embed-text-v2:0';
const SMALL = 'wire/text-embedding-3-small';
const TITAN_VECTOR = fixture<{ embedding: number[] }>('bedrock/titan-embed-v2.json').embedding;

describe('embeddings through the local gateway, with the openai client', () => {
  let bedrock: ScriptedServer;
  let wire: ScriptedServer;
  let gateway: LocalGateway;
  let client: OpenAI;

  beforeAll(async () => {
    bedrock = await startScriptedServer(() => ({ body: fixture('bedrock/titan-embed-v2.json') }));
    wire = await startScriptedServer(() => ({ body: fixture('openai/embeddings.json') }));
    const chat = ['wire/chat'];
    gateway = await startLocalGateway({
      port: 0,
      simulate: 'none',
      environment: {},
      bedrockEndpoint: bedrock.url,
      policy: loadPolicy({
        version: 1,
        providers: { wire: { kind: 'openai-compatible', baseUrl: `${wire.url}/v1` } },
        models: {
          'wire/chat': { contextWindow: 8000, maxOutputTokens: 1000, price: { input: '1', output: '2', source: 'test', asOf: '2026-01-01' } },
          [TITAN]: { type: 'embedding', contextWindow: 8192 },
          [SMALL]: { type: 'embedding', contextWindow: 8191, price: { input: '0.02', output: '0', source: 'test', asOf: '2026-01-01' } },
        },
        tiers: { '0': chat, '1': chat, '2': chat, '3': chat },
        flagship: 'wire/chat',
        aliases: { 'text-embedding-3-small': SMALL },
        embeddings: { default: TITAN },
      }),
    });
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'embed-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await bedrock.close();
    await wire.close();
  });

  it('embeds with the default model on auto: Titan through the real SDK, one call per text, priced per token', async () => {
    const { data, response } = await client.embeddings.create({ model: 'auto', input: ['Lisbon', 'Porto'], dimensions: 256 }).withResponse();
    // The client asks for base64 and decodes it: the vectors survive float32 encoding.
    for (const { embedding } of data.data) embedding.forEach((value, index) => expect(value).toBeCloseTo(TITAN_VECTOR[index]!, 6));
    expect(data.data.map((entry) => entry.embedding.length)).toEqual([TITAN_VECTOR.length, TITAN_VECTOR.length]);
    expect(data.usage).toEqual({ prompt_tokens: 12, total_tokens: 12 });
    const calls = bedrock.requests.slice(-2);
    expect(calls.map((call) => call.path)).toEqual(['/model/amazon.titan-embed-text-v2%3A0/invoke', '/model/amazon.titan-embed-text-v2%3A0/invoke']);
    expect(calls.map((call) => JSON.parse(call.body)).sort((a, b) => a.inputText.localeCompare(b.inputText))).toEqual([
      { inputText: 'Lisbon', dimensions: 256, normalize: true },
      { inputText: 'Porto', dimensions: 256, normalize: true },
    ]);
    const requestId = response.headers.get('x-switchyard-request-id')!;
    const rows = await attemptRows(gateway, requestId);
    // 12 tokens at Titan's $0.02 per million.
    expect(rows.map((row) => [row['model']!.S, row['outcome']!.S, row['inputTokens']!.N, row['costNanoUsd']!.N])).toEqual([[TITAN, 'success', '12', '240']]);
    expect(response.headers.get('x-switchyard-cost-usd')).toBe('0.000000240');
  });

  it('embeds with a model named by alias on an OpenAI-compatible host, and shows it in the day\'s usage', async () => {
    const before = await spentToday(gateway, 'embed-key');
    const { data } = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['Where is Lisbon?', 'Where is Porto?'], encoding_format: 'float' });
    expect(data.map((entry) => entry.embedding[0])).toEqual([0.0023064255, -0.011281195]);
    expect(JSON.parse(wire.requests.at(-1)!.body)).toEqual({ model: 'text-embedding-3-small', input: ['Where is Lisbon?', 'Where is Porto?'], encoding_format: 'float' });
    // 9 tokens at $0.02 per million.
    expect((await spentToday(gateway, 'embed-key')) - before).toBe(180n);
  });

  it('answers 404 for a chat model, and 400 for an embedding model sent to chat', async () => {
    await expect(client.embeddings.create({ model: 'wire/chat', input: 'x' })).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/Embedding models: bedrock\/amazon.titan-embed-text-v2:0, wire\/text-embedding-3-small/) });
    await expect(client.chat.completions.create({ model: TITAN, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/is an embedding model: send it to POST \/v1\/embeddings/) });
  });

  it('refuses a vector size the model does not offer with a 400, before any call and without a ledger record', async () => {
    const [calls, spent] = [bedrock.requests.length, await spentToday(gateway, 'embed-key')];
    const refused = await client.embeddings.create({ model: 'auto', input: Array.from({ length: 2048 }, () => 'Lisbon'), dimensions: 120_000 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, param: 'dimensions', message: expect.stringMatching(/"dimensions" is 120000; bedrock\/amazon.titan-embed-text-v2:0 offers 256, 512, 1024\./) });
    expect(bedrock.requests.length).toBe(calls);
    expect(await spentToday(gateway, 'embed-key')).toBe(spent);
  });
});
