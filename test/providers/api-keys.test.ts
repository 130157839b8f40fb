/**
 * This folder: the provider adapters' tests, one folder per adapter that has
 * one in `lambda/providers/`, and here what they share (API keys, cached-prompt
 * pricing) and the mock.
 */
import { cachedKey } from '../../lambda/providers/api-keys';
import { createOpenAiCompatibleAdapter } from '../../lambda/providers/openai-compatible/openai-compatible-provider';
import { completionCall } from '../support/completion-calls';
import { fixture } from '../support/fixtures';
import { testPolicy } from '../support/policies';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

describe('cachedKey', () => {
  it('reads once for concurrent callers, again after the TTL, and at once when refreshed', async () => {
    const now = { value: 0 };
    const reads: string[] = [];
    const source = cachedKey(async () => (reads.push(`read at ${now.value}`), `key-${reads.length}`), () => now.value, 1000);
    expect(await Promise.all([source.get(), source.get()])).toEqual(['key-1', 'key-1']);
    now.value = 999;
    expect(await source.get()).toBe('key-1');
    now.value = 1000;
    expect(await source.get()).toBe('key-2');
    expect(await source.refresh()).toBe('key-3');
    expect(await source.get()).toBe('key-3');
    expect(reads).toEqual(['read at 0', 'read at 1000', 'read at 1000']);
  });

  it('does not keep a failed read: the next call reads again', async () => {
    let fail = true;
    const source = cachedKey(async () => {
      if (fail) throw new Error('AccessDenied');
      return 'key';
    });
    await expect(source.get()).rejects.toThrow('AccessDenied');
    fail = false;
    expect(await source.get()).toBe('key');
  });
});

describe('an OpenAI-compatible host that refuses the key', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer((request) =>
      request.headers['authorization'] === 'Bearer sk-new' ? { body: fixture('openai/chat-completion.json') } : { status: 401, body: fixture('openai/error-invalid-api-key.json') },
    );
  });
  afterAll(() => server.close());
  const model = testPolicy().models.get('local/remote')!;

  it('is asked again with a freshly read key, once, so a rotated key works without a cold start', async () => {
    let stored = 'sk-old';
    const source = cachedKey(async () => stored);
    const adapter = createOpenAiCompatibleAdapter({ provider: 'local', baseUrl: `${server.url}/v1`, apiKey: source });
    await expect(adapter.complete(completionCall(model))).rejects.toMatchObject({ kind: 'provider_auth', status: 401 });
    stored = 'sk-new';
    const before = server.requests.length;
    await expect(adapter.complete(completionCall(model))).resolves.toMatchObject({ finishReason: 'stop' });
    expect(server.requests.slice(before).map((request) => request.headers['authorization'])).toEqual(['Bearer sk-old', 'Bearer sk-new']);
  });
});
