/**
 * End to end: the local gateway (the Lambda's handler behind a local server,
 * dynalite for the ledger) driven by the official openai client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
  before(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {} });
    client = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'team-a-key', maxRetries: 0 });
  });
  after(() => gateway.close());

  it('routes "auto" by the classifier and says why, labelled as simulated', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Extract the city: I flew to Lisbon.' }] })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'bedrock/amazon.nova-micro-v1:0');
    assert.equal(data.system_fingerprint, 'switchyard-simulated');
    assert.match(data.choices[0]!.message.content!, /simulated/);
    assert.ok(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0);
    assert.equal(response.headers.get('x-switchyard-tier'), '0');
    assert.equal(response.headers.get('x-switchyard-simulated'), 'true');
    assert.match(response.headers.get('x-switchyard-tier-reasons')!, /trivial task/);

    const requestId = response.headers.get('x-switchyard-request-id')!;
    const rows = await ledgerRows(gateway, requestId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['callerId']!.S, 'key:' + (await import('node:crypto')).createHash('sha256').update('team-a-key').digest('hex').slice(0, 16));
    assert.equal(rows[0]!['simulated']!.BOOL, true);
    // The cost header is the ledger's integer nano-USD, written as a decimal.
    const nano = BigInt(rows[0]!['costNanoUsd']!.N!);
    assert.equal(response.headers.get('x-switchyard-cost-usd'), `0.${nano.toString().padStart(9, '0')}`);
  });

  it('forces a tier with model "tier-2"', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'tier-2', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 20 })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-tier'), '2');
    assert.equal(data.model, gateway.policy.tiers[2][0]!.id);
    assert.ok(data.usage!.completion_tokens <= 20);
  });

  it('passes a named model through unclassified, and still prices and records it', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-5-mini', messages: [{ role: 'user', content: 'What dosage is safe?' }] })
      .withResponse();
    assert.equal(data.model, 'openai/gpt-5-mini');
    assert.equal(response.headers.get('x-switchyard-tier'), 'passthrough');
    assert.equal(response.headers.get('x-switchyard-provider'), 'openai');
    assert.notEqual(response.headers.get('x-switchyard-cost-usd'), '0.000000000');
    assert.equal((await ledgerRows(gateway, response.headers.get('x-switchyard-request-id')!)).length, 1);
  });

  it('answers an unknown model with 404 in the OpenAI envelope, listing valid ids', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'Hi' }] }),
      (error: unknown) =>
        error instanceof OpenAI.NotFoundError &&
        error.code === 'model_not_found' &&
        error.param === 'model' &&
        /Valid models: auto, tier-0/.test(error.message),
    );
  });

  it('refuses streaming with a clear 400 until streaming lands', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && /streaming is not supported yet/.test(error.message),
    );
  });

  it('names the bad field of a mistyped request', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }], temperature: 'warm' as unknown as number }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'temperature',
    );
  });

  it('answers malformed JSON and oversize bodies with 4xx and writes nothing', async () => {
    const post = (body: string) =>
      fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer team-a-key', 'content-type': 'application/json' },
        body,
      });
    const malformed = await post('{"model": "auto", "messages": [');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as ErrorEnvelope).error.code, 'invalid_json');
    assert.equal((await ledgerRows(gateway, malformed.headers.get('x-switchyard-request-id')!)).length, 0);

    const oversize = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'a'.repeat(2 * 1024 * 1024) }] }));
    assert.equal(oversize.status, 413);
    assert.equal(((await oversize.json()) as ErrorEnvelope).error.code, 'request_too_large');
    assert.equal((await ledgerRows(gateway, oversize.headers.get('x-switchyard-request-id')!)).length, 0);
  });

  it('lists the virtual and configured models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.slice(0, 5), ['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3']);
    assert.ok(ids.includes('bedrock/amazon.nova-lite-v1:0'));
  });

  it('explains a decision on /v1/route, with x-api-key auth, without calling a model', async () => {
    const response = await fetch(`${gateway.baseUrl}/route`, {
      method: 'POST',
      headers: { 'x-api-key': 'team-b-key', 'content-type': 'application/json', 'x-switchyard-route': 'support-answer' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Extract the city: Rome.' }] }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { tier: number; reasons: string[]; chain: unknown[] };
    assert.equal(body.tier, 3);
    assert.deepEqual(body.reasons, ['route "support-answer"']);
    assert.equal(body.chain.length, 2);
    assert.equal(response.headers.get('x-switchyard-attempts'), null);
  });

  it('refuses a request without an API key with 401', async () => {
    const response = await fetch(`${gateway.baseUrl}/models`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as ErrorEnvelope).error.type, 'authentication_error');
  });
});

describe('local gateway restricted to listed keys', () => {
  let gateway: LocalGateway;
  before(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, allowedKeys: ['good-key'] });
  });
  after(() => gateway.close());

  it('accepts a listed key and refuses any other with 401', async () => {
    const good = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'good-key', maxRetries: 0 });
    assert.ok((await good.models.list()).data.length > 0);
    const bad = new OpenAI({ baseURL: gateway.baseUrl, apiKey: 'bad-key', maxRetries: 0 });
    await assert.rejects(bad.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError && error.code === 'invalid_api_key');
  });
});
