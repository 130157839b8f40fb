/**
 * End to end: the local gateway (the Lambda's handler behind a local server,
 * dynalite for the ledger) driven by the official openai client.
 */
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import * as z from 'zod';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { withSimulatedFaults } from '../../lambda/local/simulated-faults';
import { attemptRows } from '../support/ledger-rows';
import { parseUsd } from '../../lambda/core/accounting/money';
import { testPolicyDocument } from '../support/policies';
import { printedLogs } from '../support/printed-logs';
import { rawRequest } from '../support/raw-http';
import { eventually } from '../support/eventually';

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

  it('streams the simulated answer when asked, labelled as simulated', async () => {
    const stream = await client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'Extract the city: I flew to Lisbon.' }] });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.system_fingerprint).toBe('switchyard-simulated');
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toMatch(/^\[simulated by Switchyard's mock provider: no model was called\]/);
  });

  it('answers json_schema output on models with the json capability, and refuses JSON with tools where only Bedrock remains', async () => {
    // The openai SDK's parse helper checks the answer against the schema it sent.
    const trip = z.object({ city: z.string(), nights: z.number().int().min(1), legs: z.array(z.object({ from: z.string(), to: z.string() })) });
    const answer = await client.chat.completions.parse({
      model: 'openai/gpt-4.1-mini',
      messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }],
      response_format: zodResponseFormat(trip, 'trip'),
    });
    expect(answer.choices[0]!.message.parsed).toEqual({ city: 'simulated', nights: 1, legs: [{ from: 'simulated', to: 'simulated' }] });
    const onBedrock = await client.chat.completions.create({ model: 'tier-0', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } });
    expect([onBedrock.model, JSON.parse(onBedrock.choices[0]!.message.content!).simulated]).toEqual(['bedrock/amazon.nova-micro-v1:0', true]);
    const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } };
    await expect(
      client.chat.completions.create({ model: 'tier-0', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' }, tools: [tool] }),
    ).rejects.toMatchObject({ constructor: OpenAI.BadRequestError, param: 'response_format', message: expect.stringMatching(/JSON output and tools in one request/) });
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

    // Over the 5 MiB default, under API Gateway's 10 MB: the gateway's own limit answers.
    const oversize = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'a'.repeat(6 * 1024 * 1024) }] }));
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

  it('sends a conversation that turns high-stakes in its last turn to tier 3, and /v1/route shows the scores behind it', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Can you help me plan a weekend in Porto?' },
      { role: 'assistant', content: 'Of course. Day one: the Ribeira, then a port cellar in Gaia.' },
      { role: 'user', content: 'Also, my father takes warfarin: what dose of ibuprofen is safe for his back pain?' },
    ];
    const { response } = await client.chat.completions.create({ model: 'auto', messages }).withResponse();
    expect(response.headers.get('x-switchyard-tier')).toBe('3');
    const explained = await fetch(`${gateway.baseUrl}/route`, {
      method: 'POST',
      headers: { authorization: 'Bearer team-a-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages }),
    });
    const body = (await explained.json()) as { tier: number; source: string; scores: Record<string, number>; reasons: string[] };
    expect([body.tier, body.source]).toEqual([3, 'classifier']);
    expect(Object.keys(body.scores).sort()).toEqual(['tier_1_or_more', 'tier_2_or_more', 'tier_3']);
    expect(body.reasons[0]).toMatch(/^classifier: P\(tier 3\) /);
    // The same conversation without the last turn is not high-stakes.
    const opening = await fetch(`${gateway.baseUrl}/route`, {
      method: 'POST',
      headers: { authorization: 'Bearer team-a-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [...messages.slice(0, 2), { role: 'user', content: 'Great, and where should we eat on Saturday?' }] }),
    });
    const benign = (await opening.json()) as { tier: number; scores: Record<string, number> };
    expect(benign.tier).toBeLessThan(3);
    expect(benign.scores.tier_3).toBeLessThan(body.scores.tier_3);
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


const ACCESS_LINE = /^(\S+) (\S+) (\S+) tier=(\S+) model=(\S+) cost=\$(\S+) (\d+)ms$/;

describe('local server, for requests that break HTTP, the URL or the rules before the handler', () => {
  let gateway: LocalGateway;
  let port: number;
  const lines: string[] = [];
  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, accessLog: (line) => lines.push(line) });
    port = Number(new URL(gateway.baseUrl).port);
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    lines.length = 0;
  });

  const envelopeOf = (body: string) => (JSON.parse(body) as ErrorEnvelope).error;

  it('answers a target that is no URL with 400 in the OpenAI envelope, before auth, and logs it', async () => {
    const response = await rawRequest(port, 'GET http://[/v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['x-switchyard-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(response.body)).toEqual({
      error: { message: expect.stringMatching(/not a valid URL path.*\/v1\/chat\/completions/), type: 'invalid_request_error', param: null, code: 'invalid_request' },
    });
    await eventually(() => expect(lines).toEqual([expect.stringMatching(/^GET http:\/\/\[\/v1\/models 400 tier=- model=- cost=\$0 \d+ms$/)]));
  });

  it.each([
    ['a malformed header', 'GET /v1/models HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n', 400, 'invalid_request', 'GET /v1/models 400'],
    ['20 KB of headers', `GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large', 'GET /v1/models 431'],
    ['a line that is no request', 'HELLO\r\n\r\n', 400, 'invalid_request', '- - 400'],
    [
      'a malformed chunked body',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'invalid_request',
      'POST /v1/chat/completions 400',
    ],
    ['a control character in the path', 'GET /v1/mo\x01dels HTTP/1.1\r\nHost: localhost\r\n\r\n', 400, 'invalid_request', 'GET /v1/models 400'],
  ])('answers %s, which Node refuses before any handler, in the OpenAI envelope and logs it', async (_, request, status, code, logged) => {
    const response = await rawRequest(port, request);

    expect(response.status).toBe(status);
    expect(response.headers['connection']).toBe('close');
    expect(envelopeOf(response.body)).toMatchObject({ type: 'invalid_request_error', code, message: expect.any(String) });
    await eventually(() => expect(lines).toEqual([expect.stringMatching(new RegExp(`^${logged.replace(/[$]/g, '\\$')} tier=- model=- cost=\\$0 \\d+ms$`))]));
  });

  it.each([
    ['20 KB of headers', `POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ['an Expect other than 100-continue', 'POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: k\r\nExpect: something-else\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 417],
    ['a malformed chunked body', 'POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nx-api-key: k\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['no Host header', 'POST /v1/messages/count_tokens HTTP/1.1\r\nx-api-key: k\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', 400],
    ['CONNECT', 'CONNECT /v1/messages HTTP/1.1\r\nHost: localhost\r\n\r\n', 405],
  ])('answers %s on an Anthropic path in Anthropic\'s envelope, with one access line', async (_, request, status) => {
    const response = await rawRequest(port, request);

    expect(response.status).toBe(status);
    const body = JSON.parse(response.body) as { type: string; error: { type: string; message: string } };
    expect(body).toEqual({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    await eventually(() => expect(lines).toEqual([expect.stringMatching(new RegExp(`^\\w+ /v1/messages\\S* ${status} tier=- model=- cost=\\$0 \\d+ms$`))]));
  });

  it('answers an Expect other than 100-continue with 417 in the OpenAI envelope', async () => {
    const response = await rawRequest(
      port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\nExpect: something-else\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    );

    expect(response.status).toBe(417);
    expect(envelopeOf(response.body)).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/"Expect: something-else" is not supported/) });
    await eventually(() => expect(lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 417 tier=- model=- cost=\$0 \d+ms$/)]));
  });

  it.each([
    ['/v1/chat/completions', (body: string) => (JSON.parse(body) as ErrorEnvelope).error.message],
    ['/v1/messages', (body: string) => (JSON.parse(body) as { type: string; error: { type: string; message: string } }).error.message],
  ])('answers a body that is not UTF-8 on %s with a 400 in its envelope that gives the size sent, and logs it', async (path, messageOf) => {
    // Half a megabyte of bytes that are not UTF-8: a lenient decoder makes each one three bytes, 1.5 MB.
    const body = `{"model":"auto","max_tokens":10,"messages":[{"role":"user","content":"${'\xff'.repeat(500_000)}"}]}`;
    const response = await rawRequest(
      port,
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );

    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toBe(`The request body (${body.length} bytes) is not valid UTF-8: send JSON encoded as UTF-8.`);
    await eventually(() => expect(lines).toEqual([expect.stringMatching(new RegExp(`^POST ${path.replace(/\//g, '\\/')} 400 tier=- model=- cost=\\$0 \\d+ms$`))]));
  });

  it('answers CONNECT with 405 in the OpenAI envelope instead of dropping the connection', async () => {
    const response = await rawRequest(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');

    expect(response.status).toBe(405);
    expect(envelopeOf(response.body)).toMatchObject({ code: 'method_not_allowed', message: expect.stringMatching(/not a proxy/) });
    await eventually(() => expect(lines).toEqual([expect.stringMatching(/^CONNECT example\.com:443 405 /)]));
  });

  it('refuses an Expect: 100-continue request without asking for its body, and asks for it when it passes', async () => {
    const head = (key: string, length: number) =>
      `POST /v1/route HTTP/1.1\r\nHost: localhost\r\n${key}Content-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hi' }] });

    const keyless = await rawRequest(port, head('', body.length));
    const oversize = await rawRequest(port, head('Authorization: Bearer k\r\n', 11 * 1024 * 1024));
    const accepted = await rawRequest(port, head('Authorization: Bearer k\r\n', body.length), { then: body });

    expect(keyless.statuses).toEqual([401]);
    expect(oversize.statuses).toEqual([413]);
    expect(envelopeOf(oversize.body).code).toBe('request_too_large');
    expect(accepted.statuses).toEqual([100, 200]);
  });

  it('writes exactly one access line per request, also for 401, 404 outside /v1 and 413, without the key', async () => {
    const authorization = { authorization: 'Bearer secret-team-key' };
    await fetch(`${gateway.baseUrl}/models`);
    await fetch(`${gateway.baseUrl.replace(/\/v1$/, '')}/nowhere?token=abc`);
    await fetch(`${gateway.baseUrl}/chat/completions`, { method: 'POST', headers: authorization, body: 'a'.repeat(11 * 1024 * 1024) });
    await fetch(`${gateway.baseUrl}/models`, { headers: authorization });

    await eventually(() =>
      expect(lines).toEqual([
        expect.stringMatching(/^GET \/v1\/models 401 tier=- model=- cost=\$0 \d+ms$/),
        expect.stringMatching(/^GET \/nowhere 404 tier=- model=- cost=\$0 \d+ms$/),
        expect.stringMatching(/^POST \/v1\/chat\/completions 413 tier=- model=- cost=\$0 \d+ms$/),
        expect.stringMatching(/^GET \/v1\/models 200 tier=- model=- cost=\$0 \d+ms$/),
      ]),
    );
    expect(lines.join('\n')).not.toMatch(/secret-team-key|token/);
  });

  it('writes a streamed answer\'s cost in its access line once the stream ends, the cost the ledger and /v1/usage have', async () => {
    const headers = { authorization: 'Bearer stream-cost-key', 'content-type': 'application/json' };
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'tier-2', stream: true, messages: [{ role: 'user', content: 'Tell me about lighthouses.' }] }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await response.text();
    const requestId = response.headers.get('x-switchyard-request-id')!;
    const rows = await attemptRows(gateway, requestId);
    const ledgerCost = rows.reduce((sum, row) => sum + BigInt(row['costNanoUsd']!.N!), 0n);
    expect(ledgerCost > 0n).toBe(true);
    await eventually(() => expect(lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 200 tier=2 model=\S+ cost=\$[0-9.]+ \d+ms$/)]));
    const logged = /cost=\$([0-9.]+)/.exec(lines[0]!)![1]!;
    expect(parseUsd(logged)).toBe(ledgerCost);
    // This key's caller made this one request: its day's total is this request's cost.
    await eventually(async () => {
      const usage = (await (await fetch(`${gateway.baseUrl}/usage`, { headers })).json()) as { total: { cost_usd: string; requests: string } };
      expect([usage.total.cost_usd, usage.total.requests]).toEqual([logged, '1']);
    });
  });

  it('cuts a long path to 200 characters in the access line', async () => {
    await fetch(`${gateway.baseUrl}/${'a'.repeat(5000)}`, { headers: { authorization: 'Bearer k' } });

    await eventually(() => expect(lines.length).toBe(1));
    const [, method, path, status] = ACCESS_LINE.exec(lines[0]!)!;
    expect([method, status]).toEqual(['GET', '404']);
    expect(path).toBe(`/v1/${'a'.repeat(196)}...`);
  });
});

describe('local gateway logs under concurrency', () => {
  let gateway: LocalGateway;
  beforeAll(async () => {
    const failing = { failureRate: 1, failures: ['unavailable'] };
    const document = withSimulatedFaults(testPolicyDocument(), JSON.stringify({ 'mock/large': failing, 'mock/medium': failing }));
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(document), retryIntervalMs: 0 });
  });
  afterAll(() => gateway.close());

  it('stamps every line with its own request id when 20 failing requests run at once', async () => {
    const { result: statuses, lines: logged } = await printedLogs(async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${gateway.baseUrl}/chat/completions`, {
            method: 'POST',
            headers: { authorization: 'Bearer team-key', 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'tier-2', messages: [{ role: 'user', content: 'Hi' }] }),
          }),
        ),
      );
      return responses.map((response) => response.status);
    });

    expect(new Set(statuses)).toEqual(new Set([502]));
    const failed = logged.filter((line) => line['message'] === 'request failed');
    const mismatched = (lines: Record<string, unknown>[]) =>
      lines.filter((line) => line['function_request_id'] !== line['requestId']).map((line) => line['message']);
    expect(failed.length).toBe(20);
    expect(new Set(failed.map((line) => line['requestId'])).size).toBe(20);
    expect(mismatched(failed)).toEqual([]);
    // The core's other lines (e.g. "circuit opened") carry their request's ids too.
    expect(logged.length).toBeGreaterThan(failed.length);
    expect(mismatched(logged)).toEqual([]);
  });
});
