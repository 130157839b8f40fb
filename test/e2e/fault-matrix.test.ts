/**
 * The fault matrix: every kind of provider failure, at the first and at the
 * last position of a two-model chain, through the local gateway, the real
 * OpenAI-compatible adapter against a local wire server, and the fallback
 * state machine run by aws-local-stepfunctions. For each case: the status,
 * the path, and ledger rows that match the calls the provider received.
 */
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { ProviderConfig } from '../../lambda/policy/schema';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { fixture } from '../support/fixtures';
import { attemptRows } from '../support/ledger-rows';
import { startScriptedServer, type ScriptedResponse, type ScriptedServer } from '../support/scripted-server';

const FIRST = 'wire/first';
const SECOND = 'wire/second';
const RETRIES = 2;
const PRICE = { input: '1', output: '2', source: 'test', asOf: '2026-01-01' };

type Expected = 'retry' | 'next' | 'stop';
interface Fault {
  readonly name: string;
  readonly response: ScriptedResponse;
  readonly outcome: string;
  readonly expected: Expected;
}

const FAULTS: readonly Fault[] = [
  { name: '429', response: { status: 429, body: fixture('openai/error-rate-limit.json') }, outcome: 'throttled', expected: 'retry' },
  {
    name: '429 with retry-after',
    response: { status: 429, headers: { 'retry-after-ms': '20' }, body: fixture('openai/error-rate-limit.json') },
    outcome: 'throttled',
    expected: 'retry',
  },
  { name: '500', response: { status: 500, body: fixture('openai/error-server.json') }, outcome: 'unavailable', expected: 'retry' },
  { name: '502', response: { status: 502, body: '<html>Bad Gateway</html>' }, outcome: 'unavailable', expected: 'retry' },
  { name: '503', response: { status: 503, body: fixture('openai/error-server.json') }, outcome: 'unavailable', expected: 'retry' },
  { name: '504', response: { status: 504, body: '' }, outcome: 'timeout', expected: 'retry' },
  { name: 'timeout', response: { delayMs: 1500, body: fixture('openai/chat-completion.json') }, outcome: 'timeout', expected: 'retry' },
  { name: 'connection reset', response: { hangUp: true }, outcome: 'connection', expected: 'retry' },
  { name: 'malformed JSON', response: { body: '{"id": "chatcmpl-' }, outcome: 'malformed_response', expected: 'retry' },
  { name: 'empty choices', response: { body: fixture('openai/empty-choices.json') }, outcome: 'malformed_response', expected: 'retry' },
  { name: 'context too long', response: { status: 400, body: fixture('openai/error-context-length.json') }, outcome: 'context_length', expected: 'next' },
  { name: 'content filter', response: { body: fixture('openai/content-filter.json') }, outcome: 'content_filter', expected: 'next' },
  { name: 'model not available', response: { status: 404, body: fixture('openai/error-model-not-found.json') }, outcome: 'model_unavailable', expected: 'next' },
  { name: 'caller 400', response: { status: 400, body: fixture('openai/error-bad-request.json') }, outcome: 'rejected', expected: 'stop' },
];

const HEALTHY: ScriptedResponse = { body: fixture('openai/chat-completion.json') };
const DOWN: Fault = FAULTS[4]!;

/** Calls a candidate receives when it keeps failing with `expected`: the router's try, then the workflow's. */
function callsFor(expected: Expected, isPrimary: boolean): number {
  if (expected !== 'retry') return 1;
  return (isPrimary ? 1 : 0) + 1 + RETRIES;
}

describe('fault matrix: each failure kind at each position of the chain', () => {
  let provider: ScriptedServer;
  let gateway: LocalGateway;
  const script = new Map<string, ScriptedResponse>();

  beforeAll(async () => {
    provider = await startScriptedServer((request) => script.get(JSON.parse(request.body).model) ?? HEALTHY);
    const wire: ProviderConfig = { kind: 'openai-compatible', baseUrl: `${provider.url}/v1`, promptCacheKey: false, outputCapField: 'max_completion_tokens' };
    const chain = [FIRST, SECOND];
    gateway = await startLocalGateway({
      port: 0,
      simulate: 'none',
      environment: {},
      retryIntervalMs: 1,
      requestTimeoutMs: 20_000,
      policy: loadPolicy({
        version: 1,
        providers: { wire },
        models: {
          [FIRST]: { contextWindow: 8000, maxOutputTokens: 1000, price: PRICE },
          [SECOND]: { contextWindow: 100_000, maxOutputTokens: 1000, price: PRICE },
        },
        tiers: { '0': chain, '1': chain, '2': chain, '3': chain },
        flagship: SECOND,
        fallback: { attemptTimeoutSeconds: 1, retry: { maxAttempts: RETRIES }, circuitBreaker: { failureThreshold: 1000 } },
      }),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await provider.close();
  });

  async function send() {
    provider.requests.length = 0;
    const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer matrix', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] }),
    });
    const requestId = response.headers.get('x-switchyard-request-id')!;
    const ledger = (await attemptRows(gateway, requestId)).map((item) => ({ model: item['model']!.S!, outcome: item['outcome']!.S!, attempt: Number(item['attempt']!.N) }));
    const received = provider.requests.map((request) => JSON.parse(request.body).model as string);
    return { response, body: (await response.json()) as Record<string, any>, ledger, received };
  }

  /** The ledger holds one row per call the provider received, and the answer reports exactly those rows. */
  function assertLedgerMatchesCalls(ledger: { model: string; attempt: number }[], received: string[], response: Response) {
    expect(ledger.length).toBe(received.length);
    expect(response.headers.get('x-switchyard-attempts')).toBe(String(ledger.length));
    expect(response.headers.get('x-switchyard-fallback-path')).toBe(ledger.map((row) => row.model).join(','));
    expect(ledger.map((row) => row.attempt)).toEqual(ledger.map((_, index) => index + 1)) /* 'attempts numbered once each, in order' */;
    for (const model of [FIRST, SECOND]) {
      expect(ledger.filter((row) => row.model === model).length).toBe(received.filter((name) => `wire/${name}` === model).length) /* model */;
    }
  }

  for (const fault of FAULTS) {
    it(`${fault.name} at the first candidate → ${fault.expected === 'stop' ? '400, no fallback' : 'answered by the second'}`, async () => {
      script.clear();
      script.set('first', fault.response);
      const { response, body, ledger, received } = await send();
      const firstCalls = callsFor(fault.expected, true);
      if (fault.expected === 'stop') {
        expect(response.status).toBe(400);
        expect(body['error'].code).toBe('provider_rejected');
        expect(received).toEqual(['first']);
      } else {
        expect(response.status).toBe(200) /* JSON.stringify(body) */;
        expect(body['model']).toBe(SECOND);
        expect(response.headers.get('x-switchyard-fallback-path')).toBe([...Array(firstCalls).fill(FIRST), SECOND].join(','));
        expect(response.headers.get('x-switchyard-attempts')).toBe(String(firstCalls + 1));
      }
      expect(ledger.map((row) => row.outcome)).toEqual([...Array(firstCalls).fill(fault.outcome), ...(fault.expected === 'stop' ? [] : ['success'])]);
      assertLedgerMatchesCalls(ledger, received, response);
    });

    it(`${fault.name} at the last candidate, after the first is down → ${fault.expected === 'stop' ? '400' : '502 listing every attempt'}`, async () => {
      script.clear();
      script.set('first', DOWN.response);
      script.set('second', fault.response);
      const { response, body, ledger, received } = await send();
      const firstCalls = callsFor(DOWN.expected, true);
      const secondCalls = callsFor(fault.expected, false);
      expect(response.status).toBe(fault.expected === 'stop' ? 400 : 502) /* JSON.stringify(body) */;
      if (fault.expected !== 'stop') {
        expect(body['error'].code).toBe('all_candidates_failed');
        expect(body['error'].attempts.map((attempt: { model: string; error: string }) => `${attempt.model}:${attempt.error}`)).toEqual([...Array(firstCalls).fill(`${FIRST}:${DOWN.outcome}`), ...Array(secondCalls).fill(`${SECOND}:${fault.outcome}`)]);
        // A model the account or region cannot use: the answer says what to do about it.
        expect(/Model access in the Bedrock console/.test(body['error'].message)).toBe(fault.outcome === 'model_unavailable');
      }
      expect(ledger.map((row) => row.outcome)).toEqual([...Array(firstCalls).fill(DOWN.outcome), ...Array(secondCalls).fill(fault.outcome)]);
      assertLedgerMatchesCalls(ledger, received, response);
    });
  }
});
