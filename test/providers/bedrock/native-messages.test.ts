/**
 * Claude on Bedrock's own Messages API, through the real adapter and SDK
 * client against a local server: the request as it goes on the wire (path,
 * SigV4 headers, the caller's body as sent), whole and streamed answers from
 * Anthropic-format fixtures, and failures sorted into kinds.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import { costOf } from '../../../lambda/core/accounting/money';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockAdapter } from '../../../lambda/providers/bedrock/bedrock-provider';
import { completionCall } from '../../support/completion-calls';
import { fixture, sseEvents } from '../../support/fixtures';
import { defaultPolicyDocument } from '../../support/policies';
import { drainStream } from '../../support/drain-stream';
import { useBedrockWireServer, type BedrockAdapter } from '../../support/bedrock-wire';
import type { ScriptedServer } from '../../support/scripted-server';

const policy = loadPolicy(defaultPolicyDocument());
const OPUS = policy.models.get('bedrock/global.anthropic.claude-opus-5-5')!;
const OPUS_45 = policy.models.get('bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0')!;
const NOVA = policy.models.get('bedrock/amazon.nova-lite-v1:0')!;

/** A Claude Code request as it came (captured from the CLI, long texts cut). */
const CLAUDE_CODE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'agents', 'claude-code-tool-result.json'), 'utf8')) as { body: Record<string, unknown> };
const STREAM = { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks: sseEvents('bedrock/anthropic-messages-stream.txt').map((event) => Buffer.from(event)) };

const nativeCall = (overrides: Partial<CompletionCall> = {}): CompletionCall =>
  completionCall(OPUS, { maxTokens: 32_000, betas: ['interleaved-thinking-2025-05-14', 'per-turn-control-2026-07-01'], anthropicBody: CLAUDE_CODE.body, ...overrides });

describe("Bedrock's Messages API for Claude 5 and later", () => {
  let server: ScriptedServer;
  let adapter: BedrockAdapter;
  useBedrockWireServer((wire) => ({ server, adapter } = wire));

  it('is the path for Claude 5 and later; Claude 4.5 and other models stay on Converse, and a policy can choose', () => {
    expect([OPUS, OPUS_45, NOVA].map((model) => adapter.speaksAnthropicMessages!(model))).toEqual([true, false, false]);
    expect(adapter.speaksAnthropicMessages!({ ...OPUS, api: 'converse' })).toBe(false);
    expect(adapter.speaksAnthropicMessages!({ ...OPUS_45, api: 'messages' })).toBe(true);
    // Converse's rules are not applied to a call that goes as it came.
    const { signal: _signal, ...call } = nativeCall();
    expect(adapter.adjust!(call)).toEqual({ call, adjusted: [] });
  });

  it("sends the caller's body as it came, with the model, output cap and stream set, signed with SigV4 for bedrock in the client's Region", async () => {
    server.respond(() => ({ body: fixture('bedrock/anthropic-messages.json') }));
    await adapter.complete(nativeCall());
    const sent = server.requests.at(-1)!;
    expect([sent.method, sent.path]).toEqual(['POST', '/anthropic/v1/messages']);
    const body = JSON.parse(sent.body);
    expect(body).toEqual({ ...CLAUDE_CODE.body, model: 'global.anthropic.claude-opus-5-5', max_tokens: 32_000, stream: false });
    // What Claude Code relies on travels untouched: the mid-conversation system turn, adaptive thinking, context management.
    expect(body.messages[1].role).toBe('system');
    expect([body.thinking, body.context_management, body.output_config]).toEqual([CLAUDE_CODE.body['thinking'], CLAUDE_CODE.body['context_management'], CLAUDE_CODE.body['output_config']]);
    expect(sent.headers).toMatchObject({
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'interleaved-thinking-2025-05-14,per-turn-control-2026-07-01',
      'content-type': 'application/json',
      'x-amz-content-sha256': createHash('sha256').update(sent.body).digest('hex'),
      authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/),
    });
  });

  it('reads a whole answer: thinking with its signature, text and a tool call, and usage with one-hour cache writes priced at their rate', async () => {
    server.respond(() => ({ body: fixture('bedrock/anthropic-messages.json') }));
    const completion = await adapter.complete(nativeCall());
    expect(completion).toEqual({
      content: "I'll run the tests.",
      toolCalls: [{ id: 'toolu_bdrk_01AbCdEf', name: 'Bash', arguments: '{"command":"npm test","description":"Run the tests"}' }],
      reasoning: [{ text: 'The user wants the tests run first.', signature: 'EqQBCkYIBxgCKkBk8mY2wX3qZ9' }],
      finishReason: 'tool_calls',
      usage: { input: 12, output: 87, cacheRead: 9640, cacheWrite: 1800, cacheWrite1h: 1200 },
      simulated: false,
    });
    // Opus 5.5: $4 in, $20 out, $0.20 hits, $5 five-minute and $8 one-hour writes per million.
    expect(costOf(completion.usage, OPUS.price)).toBe(12n * 4_000n + 87n * 20_000n + 9640n * 200n + 600n * 5_000n + 1200n * 8_000n);
  });

  it('streams the same answer as chunks: thinking and its signature, text, one tool call in pieces, then the end with the final usage', async () => {
    server.respond(() => STREAM);
    const { chunks, error } = await drainStream(adapter.stream!(nativeCall()));
    expect(error).toBeUndefined();
    expect(JSON.parse(server.requests.at(-1)!.body).stream).toBe(true);
    expect(server.requests.at(-1)!.headers['accept']).toBe('text/event-stream');
    expect(chunks).toEqual([
      { type: 'thinking', text: 'The user wants the tests run first.' },
      { type: 'thinking', signature: 'EqQBCkYIBxgCKkBk8mY2wX3qZ9' },
      { type: 'text', text: "I'll run " },
      { type: 'text', text: 'the tests.' },
      { type: 'tool_call', index: 0, id: 'toolu_bdrk_01AbCdEf', name: 'Bash', arguments: '' },
      { type: 'tool_call', index: 0, arguments: '{"command": "npm test",' },
      { type: 'tool_call', index: 0, arguments: ' "description": "Run the tests"}' },
      { type: 'end', finishReason: 'tool_calls', usage: { input: 12, output: 87, cacheRead: 9640, cacheWrite: 1800, cacheWrite1h: 1200 } },
    ]);
  });

  it.each([
    [429, { message: 'Too many requests, please wait before trying again.' }, 'ThrottlingException', 'throttled'],
    [400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 1200000 tokens > 1000000 maximum' } }, undefined, 'context_length'],
    [400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0: unexpected field' } }, undefined, 'rejected'],
    [403, { message: 'User is not authorized to perform bedrock:InvokeModel' }, 'AccessDeniedException', 'provider_auth'],
    [529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, undefined, 'unavailable'],
  ])('sorts an HTTP %i into a failure kind, quoting the provider', async (status, body, errorType, kind) => {
    server.respond(() => ({ status, body, ...(errorType ? { headers: { 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` } } : {}) }));
    await expect(adapter.complete(nativeCall())).rejects.toMatchObject({ kind, status, provider: 'bedrock', model: OPUS.id });
  });

  it('fails a call it cannot sign as provider_auth, not as a network fault, sending nothing', async () => {
    const before = server.requests.length;
    const unsigned = createBedrockAdapter({
      provider: 'bedrock',
      client: new BedrockRuntimeClient({ region: 'us-east-1', endpoint: server.url, credentials: async () => Promise.reject(new Error('no credentials in the chain')) }),
      endpoint: server.url,
    });
    await expect(unsigned.complete(nativeCall())).rejects.toMatchObject({ kind: 'provider_auth', message: expect.stringMatching(/no credentials in the chain/) });
    expect(server.requests.length).toBe(before);
  });

  it("keeps Anthropic-defined client tools in the body and takes out server tools", async () => {
    server.respond(() => ({ body: fixture('bedrock/anthropic-messages.json') }));
    const tools = [{ type: 'bash_20250124', name: 'bash' }, { type: 'web_search_20250305', name: 'web_search' }, { name: 'lookup', input_schema: { type: 'object' } }];
    await adapter.complete(nativeCall({ anthropicBody: { ...CLAUDE_CODE.body, tools } }));
    expect(JSON.parse(server.requests.at(-1)!.body).tools).toEqual([tools[0], tools[2]]);
  });

  it('fails a stream that reports an error event or breaks off, keeping the usage reported so far', async () => {
    const events = sseEvents('bedrock/anthropic-messages-stream.txt');
    const overloaded = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    server.respond(() => ({ ...STREAM, chunks: [...events.slice(0, 3), overloaded].map((event) => Buffer.from(event)) }));
    const broken = await drainStream(adapter.stream!(nativeCall()));
    expect(broken.error).toMatchObject({ kind: 'unavailable', status: 200, usage: { input: 12, output: 1, cacheRead: 9640, cacheWrite: 1800, cacheWrite1h: 1200 } });

    server.respond(() => ({ ...STREAM, chunks: events.slice(0, 6).map((event) => Buffer.from(event)) }));
    expect((await drainStream(adapter.stream!(nativeCall()))).error).toMatchObject({ kind: 'connection', message: 'the stream ended without message_stop' });
  });
});
