/**
 * End to end: the local gateway (the Lambda's handler behind a local server,
 * dynalite for the ledger) driven by the official openai client.
 */
import OpenAI from 'openai';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { attemptRows } from '../support/ledger-rows';

interface ErrorEnvelope {
  error: { code: string; type: string; message: string };
}

const ledgerRows = attemptRows;

describe('local gateway with simulated providers, through the openai client', () => {
  let gateway: LocalGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {} });
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'team-a-key', maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('routes "auto" by the classifier and says why, labelled as simulated', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Extract the city: I flew to Lisbon.' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('bedrock/amazon.nova-micro-v1:0');
    expect(data.system_fingerprint).toBe('switchyard-simulated');
    expect(data.choices[0]!.message.content!).toMatch(/simulated/);
    expect(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0).toBeTruthy();
    expect(response.headers.get('x-switchyard-tier')).toBe('0');
    expect(response.headers.get('x-switchyard-simulated')).toBe('true');
    expect(response.headers.get('x-switchyard-tier-reasons')!).toMatch(/trivial task/);

    const requestId = response.headers.get('x-switchyard-request-id')!;
    const rows = await ledgerRows(gateway, requestId);
    expect(rows.length).toBe(1);
    expect(rows[0]!['callerId']!.S).toBe('key:' + (await import('node:crypto')).createHash('sha256').update('team-a-key').digest('hex').slice(0, 16));
    expect(rows[0]!['simulated']!.BOOL).toBe(true);
    // The cost header is the ledger's integer nano-USD, written as a decimal.
    const nano = BigInt(rows[0]!['costNanoUsd']!.N!);
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(`0.${nano.toString().padStart(9, '0')}`);
  });

  it('forces a tier with model "tier-2"', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'tier-2', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20 })
      .withResponse();
    expect(response.headers.get('x-switchyard-tier')).toBe('2');
    expect(data.model).toBe(gateway.policy.tiers[2][0]!.id);
    expect(data.usage!.completion_tokens).toBeLessThanOrEqual(20);
  });

  it('passes a named model through unclassified, and still prices and records it', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-5-mini', messages: [{ role: 'user', content: 'What dosage is safe?' }] })
      .withResponse();
    expect(data.model).toBe('openai/gpt-5-mini');
    expect(response.headers.get('x-switchyard-tier')).toBe('passthrough');
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(response.headers.get('x-switchyard-cost-usd')).not.toBe('0.000000000');
    expect((await ledgerRows(gateway, response.headers.get('x-switchyard-request-id')!)).length).toBe(1);
  });

  it('answers an unknown model with 404 in the OpenAI envelope, listing valid ids', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      constructor: OpenAI.NotFoundError,
      code: 'model_not_found',
      param: 'model',
      message: expect.stringMatching(/Valid models: auto, tier-0/),
    });
  });

  it('refuses streaming with a clear 400 until streaming lands', async () => {
    await expect(client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toMatchObject({
      constructor: OpenAI.BadRequestError,
      message: expect.stringMatching(/streaming is not supported yet/),
    });
  });

  it('names the bad field of a mistyped request', async () => {
    await expect(client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }], temperature: 'warm' as unknown as number })).rejects.toMatchObject({ constructor: OpenAI.BadRequestError, param: 'temperature' });
  });

  it('answers malformed JSON and oversize bodies with 4xx and writes nothing', async () => {
    const post = (body: string) =>
      fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer team-a-key', 'content-type': 'application/json' },
        body,
      });
    const malformed = await post('{"model": "auto", "messages": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorEnvelope).error.code).toBe('invalid_json');
    expect((await ledgerRows(gateway, malformed.headers.get('x-switchyard-request-id')!)).length).toBe(0);

    const oversize = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'a'.repeat(2 * 1024 * 1024) }] }));
    expect(oversize.status).toBe(413);
    expect(((await oversize.json()) as ErrorEnvelope).error.code).toBe('request_too_large');
    expect((await ledgerRows(gateway, oversize.headers.get('x-switchyard-request-id')!)).length).toBe(0);
  });

  it('lists the virtual and configured models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.slice(0, 5)).toEqual(['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3']);
    expect(ids).toContain('bedrock/amazon.nova-lite-v1:0');
  });

  it('explains a decision on /v1/route, with x-api-key auth, without calling a model', async () => {
    const response = await fetch(`${gateway.baseUrl}/route`, {
      method: 'POST',
      headers: { 'x-api-key': 'team-b-key', 'content-type': 'application/json', 'x-switchyard-route': 'support-answer' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Extract the city: Rome.' }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { tier: number; reasons: string[]; chain: unknown[] };
    expect(body.tier).toBe(3);
    expect(body.reasons).toEqual(['route "support-answer"']);
    expect(body.chain.length).toBe(2);
    expect(response.headers.get('x-switchyard-attempts')).toBe(null);
  });

  it('refuses a request without an API key with 401', async () => {
    const response = await fetch(`${gateway.baseUrl}/models`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorEnvelope).error.type).toBe('authentication_error');
  });
});

describe('local gateway restricted to listed keys', () => {
  let gateway: LocalGateway;
  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, allowedKeys: ['good-key'] });
  });
  afterAll(() => gateway.close());

  it('accepts a listed key and refuses any other with 401', async () => {
    const good = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'good-key', maxRetries: 0 });
    expect((await good.models.list()).data.length).toBeGreaterThan(0);
    const bad = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'bad-key', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toMatchObject({ constructor: OpenAI.AuthenticationError, code: 'invalid_api_key' });
  });
});
