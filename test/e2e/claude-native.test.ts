/**
 * Claude 5.x through Bedrock's own Messages API, end to end: the
 * @anthropic-ai/sdk client against the local gateway with the shipped default
 * policy, whose Bedrock adapter (the real SDK client, signing with SigV4)
 * talks to a local server speaking Bedrock's `/anthropic/v1/messages`. A
 * Messages request goes as it came; the same model asked on the OpenAI
 * surface goes through Converse. Structured output through the SDK's own
 * helpers, locally on the mock.
 */
import Anthropic from '@anthropic-ai/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../support/bedrock-event-stream';
import { fixture, sseEvents } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { defaultPolicyDocument } from '../support/policies';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

process.env['AWS_ACCESS_KEY_ID'] = 'local';
process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
process.env['AWS_REGION'] = 'us-east-1';

const OPUS = 'bedrock/global.anthropic.claude-opus-5-5';
const CLAUDE_CODE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'agents', 'claude-code-first-turn.json'), 'utf8')) as { headers: Record<string, string>; body: Record<string, unknown> };

describe("Claude 5.x on Bedrock's Messages API through the local gateway", () => {
  let bedrock: ScriptedServer;
  let gateway: LocalGateway;

  beforeAll(async () => {
    bedrock = await startScriptedServer((request) =>
      request.path === '/anthropic/v1/messages'
        ? JSON.parse(request.body).stream
          ? { headers: { 'content-type': 'text/event-stream' }, chunks: sseEvents('bedrock/anthropic-messages-stream.txt').map((event) => Buffer.from(event)) }
          : { body: fixture('bedrock/anthropic-messages.json') }
        : { headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-cached.json')) },
    );
    gateway = await startLocalGateway({ port: 0, simulate: 'none', environment: {}, bedrockEndpoint: bedrock.url, policy: loadPolicy(defaultPolicyDocument()) });
  });
  afterAll(async () => {
    await gateway.close();
    await bedrock.close();
  });

  it("sends Claude Code's request as it came, answers it in Anthropic's format, names nothing as dropped, and prices one-hour writes", async () => {
    const response = await fetch(`${gateway.baseUrl}/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'native-key', 'anthropic-version': '2023-06-01', 'anthropic-beta': CLAUDE_CODE.headers['anthropic-beta']! },
      body: JSON.stringify({ ...CLAUDE_CODE.body, stream: false }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe(OPUS);
    expect(response.headers.get('x-switchyard-dropped-params')).toBeNull();
    const sent = JSON.parse(bedrock.requests.at(-1)!.body);
    expect(bedrock.requests.at(-1)!.path).toBe('/anthropic/v1/messages');
    // The gateway reads every provider answer as a stream (a hung provider is told from a slow one by its silence).
    expect(sent).toEqual({ ...CLAUDE_CODE.body, model: 'global.anthropic.claude-opus-5-5', max_tokens: 128_000, stream: true });
    // The policy's allow-list for Opus 5.5 holds every flag Claude Code sends.
    expect(bedrock.requests.at(-1)!.headers['anthropic-beta']).toBe(CLAUDE_CODE.headers['anthropic-beta']);
    const message = (await response.json()) as { content: { type: string }[]; stop_reason: string };
    expect([message.content.map((block) => block.type), message.stop_reason]).toEqual([['thinking', 'text', 'tool_use'], 'tool_use']);
    const [row] = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect([row!['model']!.S, BigInt(row!['costNanoUsd']!.N!)]).toEqual([OPUS, 12n * 4_000n + 87n * 20_000n + 9640n * 200n + 600n * 5_000n + 1200n * 8_000n]);
  });

  it('streams through the SDK: thinking with its signature, text and the tool call, assembled into one message', async () => {
    const client = new Anthropic({ baseURL: gateway.baseUrl.replace(/\/v1$/, ''), apiKey: 'native-key', maxRetries: 0 });
    const message = await client.messages
      .stream({ model: 'claude-opus-5-5', max_tokens: 4096, thinking: { type: 'adaptive' } as never, messages: [{ role: 'user', content: 'Run the tests.' }] })
      .finalMessage();
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'The user wants the tests run first.', signature: 'EqQBCkYIBxgCKkBk8mY2wX3qZ9' },
      expect.objectContaining({ type: 'text', text: "I'll run the tests." }),
      expect.objectContaining({ type: 'tool_use', id: 'toolu_bdrk_01AbCdEf', name: 'Bash', input: { command: 'npm test', description: 'Run the tests' } }),
    ]);
    expect(JSON.parse(bedrock.requests.at(-1)!.body)).toMatchObject({ stream: true, thinking: { type: 'adaptive' } });
  });

  it('sends the same model asked on the OpenAI surface through Converse', async () => {
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer native-key' },
      body: JSON.stringify({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(bedrock.requests.at(-1)!.path).toBe(`/model/${encodeURIComponent('global.anthropic.claude-opus-5-5')}/converse-stream`);
  });
});

describe('structured output through the Anthropic SDK, locally on the mock', () => {
  let gateway: LocalGateway;
  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(defaultPolicyDocument()) });
  });
  afterAll(() => gateway.close());

  it('answers output_config.format with JSON of the schema, which the SDK parses', async () => {
    const client = new Anthropic({ baseURL: gateway.baseUrl.replace(/\/v1$/, ''), apiKey: 'structured-key', maxRetries: 0 });
    const schema = { type: 'object', properties: { city: { type: 'string' }, nights: { type: 'integer', minimum: 1 } }, required: ['city', 'nights'], additionalProperties: false };
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'I flew to Lisbon for three nights. Extract the trip.' }],
      output_config: { format: { type: 'json_schema', schema } },
    } as never);
    const text = (message as unknown as { content: { type: string; text: string }[] }).content[0]!.text;
    const trip = z.object({ city: z.string(), nights: z.number().int().min(1) }).strict().parse(JSON.parse(text));
    expect(trip).toEqual({ city: 'simulated', nights: 1 });
  });
});
