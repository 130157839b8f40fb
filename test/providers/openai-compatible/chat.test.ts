import type { ProviderFailureKind } from '../../../lambda/core/base/errors';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import { fixedKey } from '../../../lambda/providers/api-keys';
import { createOpenAiCompatibleAdapter } from '../../../lambda/providers/openai-compatible/openai-compatible-provider';
import { retryAfterMs } from '../../../lambda/providers/openai-compatible/errors';
import { fixture } from '../../support/fixtures';
import { failureOf } from '../../support/provider-failure';
import { testPolicy } from '../../support/policies';
import { startScriptedServer, type ScriptedResponse, type ScriptedServer } from '../../support/scripted-server';
import { completionCall } from '../../support/completion-calls';
import { createProviderRegistry } from '../../../lambda/providers/registry';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import { testPolicyDocument } from '../../support/policies';

const model = testPolicy().models.get('local/remote')!;
const call = (overrides: Partial<CompletionCall> = {}) => completionCall(model, { stop: ['\n'], ...overrides });

describe('OpenAI-compatible adapter, against a local OpenAI wire server', () => {
  let server: ScriptedServer;
  let adapter: ReturnType<typeof createOpenAiCompatibleAdapter>;
  beforeAll(async () => {
    server = await startScriptedServer();
    adapter = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: `${server.url}/v1/`, apiKey: fixedKey('sk-test') });
  });
  afterAll(() => server.close());

  const failure = (response: ScriptedResponse, overrides: Partial<CompletionCall> = {}) => failureOf(server, adapter, response, call(overrides));

  it('sends the OpenAI request and normalises usage so cached tokens are not counted twice', async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const completion = await adapter.complete(call());
    expect(completion).toEqual({
      content: 'Lisbon',
      finishReason: 'stop',
      usage: { input: 188, output: 3, cacheRead: 1024, cacheWrite: 0 },
      simulated: false,
    });
    const sent = server.requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe('Bearer sk-test');
    expect(JSON.parse(sent.body)).toEqual({
      model: 'remote',
      messages: call().messages,
      max_completion_tokens: 64,
      temperature: 0.5,
      stop: ['\n'],
    });
  });

  it('hands a JSON response format to the provider as OpenAI names it', async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    await adapter.complete(call({ responseFormat: { type: 'json_schema', jsonSchema: { name: 'city', schema, strict: true } } }));
    expect(JSON.parse(server.requests.at(-1)!.body).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'city', schema, strict: true } });
    await adapter.complete(call({ responseFormat: { type: 'json_object' } }));
    expect(JSON.parse(server.requests.at(-1)!.body).response_format).toEqual({ type: 'json_object' });
    await adapter.complete(call());
    expect(JSON.parse(server.requests.at(-1)!.body).response_format).toBeUndefined();
  });

  it('reports a truncated answer as finish_reason length', async () => {
    server.respond(() => ({ body: fixture('openai/finish-length.json') }));
    expect((await adapter.complete(call())).finishReason).toBe('length');
  });

  const cases: [string, ScriptedResponse, ProviderFailureKind][] = [
    ['400 context_length_exceeded', { status: 400, body: fixture('openai/error-context-length.json') }, 'context_length'],
    ['400 unsupported value', { status: 400, body: fixture('openai/error-bad-request.json') }, 'rejected'],
    ['401 invalid_api_key', { status: 401, body: fixture('openai/error-invalid-api-key.json') }, 'provider_auth'],
    ['404 model_not_found', { status: 404, body: fixture('openai/error-model-not-found.json') }, 'model_unavailable'],
    ['429 rate_limit_exceeded', { status: 429, body: fixture('openai/error-rate-limit.json') }, 'throttled'],
    ['429 insufficient_quota', { status: 429, body: fixture('openai/error-insufficient-quota.json') }, 'provider_auth'],
    ['500 server_error', { status: 500, body: fixture('openai/error-server.json') }, 'unavailable'],
    ['502 with an HTML body', { status: 502, body: '<html>Bad Gateway</html>', headers: { 'content-type': 'text/html' } }, 'unavailable'],
    ['503 overloaded', { status: 503, body: fixture('openai/error-server.json') }, 'unavailable'],
    ['504 gateway timeout', { status: 504, body: '' }, 'timeout'],
    ['200 with a body that is not JSON', { status: 200, body: '{"id": "chatcmpl-' }, 'malformed_response'],
    ['200 with empty choices', { status: 200, body: fixture('openai/empty-choices.json') }, 'malformed_response'],
    ['200 withheld by the content filter', { status: 200, body: fixture('openai/content-filter.json') }, 'content_filter'],
  ];
  for (const [name, response, kind] of cases) {
    it(`sorts ${name} as ${kind}`, async () => {
      const error = await failure(response);
      expect(error.kind).toBe(kind);
      expect(error.provider).toBe('local');
      expect(error.model).toBe('local/remote');
    });
  }

  it('keeps the tokens a filtered answer used, so the ledger can charge them', async () => {
    const error = await failure({ status: 200, body: fixture('openai/content-filter.json') });
    expect(error.usage).toEqual({ input: 40, output: 7, cacheRead: 0, cacheWrite: 0 });
  });

  it('reads retry-after-ms, then retry-after in seconds, from a 429', async () => {
    const body = fixture('openai/error-rate-limit.json');
    expect((await failure({ status: 429, body, headers: { 'retry-after-ms': '644.2' } })).retryAfterMs).toBe(645);
    expect((await failure({ status: 429, body, headers: { 'retry-after': '2' } })).retryAfterMs).toBe(2000);
    expect((await failure({ status: 429, body })).retryAfterMs).toBe(undefined);
  });

  it('times out when the deadline passes before the provider answers', async () => {
    const error = await failure({ delayMs: 500, body: fixture('openai/chat-completion.json') }, { signal: AbortSignal.timeout(50) });
    expect(error.kind).toBe('timeout');
  });

  it('sorts a dropped connection and a refused connection as connection faults', async () => {
    expect((await failure({ hangUp: true })).kind).toBe('connection');
    const closed = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: 'http://127.0.0.1:9/v1', apiKey: undefined });
    await expect(closed.complete(call())).rejects.toMatchObject({ kind: 'connection' });
  });

  it('sends a caller\'s prompt_cache_key to a host set to take one; to any other, adjust takes it out and says so', async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const openai = createOpenAiCompatibleAdapter({ provider: 'openai', baseUrl: `${server.url}/v1`, apiKey: undefined, promptCacheKey: true });
    expect(openai.adjust).toBeUndefined();
    await openai.complete(call({ promptCacheKey: 'thread-1' }));
    expect(JSON.parse(server.requests.at(-1)!.body).prompt_cache_key).toBe('thread-1');
    const { signal: _signal, ...unsent } = call({ promptCacheKey: 'thread-1' });
    expect(adapter.adjust!(unsent)).toEqual({ call: { ...unsent, promptCacheKey: undefined }, adjusted: ['prompt_cache_key not sent (provider "local" is not set to take one)'] });
    await adapter.complete(call());
    expect(JSON.parse(server.requests.at(-1)!.body).prompt_cache_key).toBeUndefined();
  });

  it('can send max_tokens to hosts that only know that field, and no key when none is configured', async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const legacy = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: `${server.url}/v1`, apiKey: undefined, maxTokensField: 'max_tokens' });
    await legacy.complete(call());
    const sent = server.requests.at(-1)!;
    expect(JSON.parse(sent.body).max_tokens).toBe(64);
    expect(sent.headers['authorization']).toBe(undefined);
  });

  it("sends the output cap in the field the policy's provider setting names (outputCapField), max_completion_tokens by default", async () => {
    server.respond(() => ({ body: fixture('openai/chat-completion.json') }));
    const hostOf = (settings: Record<string, unknown>) =>
      createProviderRegistry(loadPolicy(testPolicyDocument({ providers: { local: { kind: 'openai-compatible', baseUrl: `${server.url}/v1`, ...settings } } })).providers, { simulate: new Set(), apiKeys: {} }).get('local');
    await hostOf({ outputCapField: 'max_tokens' }).complete(call());
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ max_tokens: 64 });
    expect(JSON.parse(server.requests.at(-1)!.body).max_completion_tokens).toBeUndefined();
    await hostOf({}).complete(call());
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ max_completion_tokens: 64 });
  });
});

describe('retryAfterMs', () => {
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Fri, 27 Nov 2026 10:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBe(undefined);
  });
});
