/**
 * A chain of hung providers ends with a clean 504 inside API Gateway's
 * timeout, never a hung request.
 */
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { attemptRows } from '../support/ledger-rows';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

const REQUEST_TIMEOUT_MS = 4000;
const PRICE = { input: '1', output: '1', source: 'test', asOf: '2026-01-01' };

describe('the deadline', () => {
  let provider: ScriptedServer;
  let gateway: LocalGateway;
  beforeAll(async () => {
    provider = await startScriptedServer(() => ({ delayMs: 30_000, body: {} }));
    const chain = ['wire/first', 'wire/second'];
    gateway = await startLocalGateway({
      port: 0,
      simulate: 'none',
      environment: {},
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      policy: loadPolicy({
        version: 1,
        providers: { wire: { kind: 'openai-compatible', baseUrl: `${provider.url}/v1` } },
        models: { 'wire/first': { contextWindow: 8000, maxOutputTokens: 100, price: PRICE }, 'wire/second': { contextWindow: 8000, maxOutputTokens: 100, price: PRICE } },
        tiers: { '0': chain, '1': chain, '2': chain, '3': chain },
        flagship: 'wire/first',
        // The first call times out on its own; the retry is still running when the deadline comes.
        fallback: { attemptTimeoutSeconds: 1 },
      }),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await provider.close();
  });

  it('answers 504 in the OpenAI envelope before the API timeout when no provider answers', async () => {
    const started = Date.now();
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const elapsed = Date.now() - started;
    const body = (await response.json()) as { error: { code: string; type: string; attempts: { error: string }[] } };
    expect(response.status).toBe(504);
    expect(body.error.code).toBe('deadline_exceeded');
    expect(body.error.attempts.map((attempt) => attempt.error)).toEqual(['timeout', 'timeout']);
    expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS) /* `answered after ${elapsed} ms, past the ${REQUEST_TIMEOUT_MS} ms API timeout` */;
  });

  it('reports every attempt the ledger holds, in the headers and in the error, when the deadline cuts a retry short', async () => {
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tier-0', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { error: { attempts: { model: string; error: string }[] } };
    const rows = await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!);
    expect(response.status).toBe(504);
    expect(rows.length).toBe(2);
    expect(response.headers.get('x-switchyard-attempts')).toBe(String(rows.length));
    expect(response.headers.get('x-switchyard-fallback-path')).toBe(rows.map((row) => row['model']!.S).join(','));
    expect(body.error.attempts.map((attempt) => `${attempt.model} ${attempt.error}`)).toEqual(rows.map((row) => `${row['model']!.S} ${row['outcome']!.S}`));
  });
});
