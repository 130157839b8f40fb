import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Gateway, RequestSummary } from '../../lambda/core/gateway/types';
import { createLocalServer } from '../../lambda/local/http-server';
import { createRouterHandler, type RouterHandler } from '../../lambda/handlers/create-router-handler';
import { startHttpResponse } from '../../lambda/handlers/response-stream';
import { eventually } from '../support/eventually';
import { rawRequest } from '../support/raw-http';

process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';

const SUMMARY: RequestSummary = { endpoint: 'chat', status: 200, tier: '1', model: 'mock/small', attempts: 1, costNanoUsd: 7n, flagshipCostNanoUsd: 30n, route: null, providerLatencyMs: 2, simulated: true, failures: [] };
const frame = (index: number) => `data: {"index":${index}}\n\n`;

/**
 * The real router handler over a gateway that streams `data: {"index":N}`
 * frames: each waits for `next()` when `paced`, else comes `gapMs` after the
 * one before, up to `count`. `state` tells how far the provider got and
 * whether its call ended.
 */
function streamingHandler(options: { count: number; gapMs?: number; paced?: boolean }) {
  const state = { produced: 0, ended: false };
  const waiting: (() => void)[] = [];
  const next = () => waiting.shift()?.();
  let settle!: (summary: RequestSummary) => void;
  const summary = new Promise<RequestSummary>((resolve) => (settle = resolve));
  async function* events() {
    try {
      for (let index = 0; index < options.count; index += 1) {
        if (options.paced && index > 0) await new Promise<void>((resolve) => waiting.push(resolve));
        else if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
        state.produced += 1;
        yield frame(index);
      }
    } finally {
      state.ended = true;
      settle(SUMMARY);
    }
  }
  const gateway: Gateway = async (request) => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId, 'x-switchyard-tier': '1', 'x-switchyard-model': 'mock/small' },
    body: '',
    summary: SUMMARY,
    stream: { events: events(), summary },
  });
  const handler = createRouterHandler({
    start: async () => ({ gateway, requestTimeoutMs: 29_000 }),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
  });
  return { handler, state, next };
}


/** The next chunk the client receives, or a failure when none comes in time (a buffered answer). */
async function nextChunk(reader: ReadableStreamDefaultReader<Uint8Array>, withinMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no chunk within ${withinMs} ms`)), withinMs)));
  try {
    const { value, done } = await Promise.race([reader.read(), timeout]);
    if (done) throw new Error('the stream ended');
    return new TextDecoder().decode(value);
  } finally {
    clearTimeout(timer);
  }
}

const chat = { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{}' };

/** The API's limit as these tests set it: short, so a stalled request's refusal arrives quickly. */
const RECEIVE_TIMEOUT_MS = 1500;

describe('createLocalServer', () => {
  let server: Server;
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function listen(handler: RouterHandler, recorded: { lines: string[]; errors: Record<string, unknown>[] }): Promise<string> {
    server = createLocalServer({
      handler,
      lambdaTimeoutMs: 5000,
      receiveTimeoutMs: RECEIVE_TIMEOUT_MS,
      accessLog: (line) => recorded.lines.push(line),
      log: { info: () => undefined, error: (_message, fields) => recorded.errors.push(fields) },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers 500 in the OpenAI envelope with the request id, logs the failure and its access line, when the handler throws', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const base = await listen(async () => {
      throw new Error('the ledger table is gone');
    }, recorded);

    const response = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer k' } });
    const body = (await response.json()) as { error: { type: string; message: string } };

    const requestId = response.headers.get('x-switchyard-request-id')!;
    expect(response.status).toBe(500);
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toContain(requestId);
    expect(body.error.message).not.toMatch(/ledger/);
    expect(recorded.errors).toEqual([{ requestId, error: 'Error: the ledger table is gone' }]);
    expect(recorded.lines).toEqual([expect.stringMatching(/^GET \/v1\/models 500 tier=- model=- cost=\$0 \d+ms$/)]);
  });

  it.each([
    ['its headers', 'POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\n'],
    ['its body', 'POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer k\r\nContent-Length: 100\r\n\r\n{"model":'],
  ])('answers a request that stalls in %s with 408 once the API\'s limit passes, and closes the connection', async (_, request) => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const base = await listen(async () => undefined, recorded);
    // Node's defaults held such a connection 60 s (headers) to 300 s (body); rawRequest gives up after its own timeout.
    const response = await rawRequest(Number(new URL(base).port), request, { timeoutMs: RECEIVE_TIMEOUT_MS + 3000 });
    expect(response.status).toBe(408);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'request_timeout' } });
  });

  it('reads the tier, model and cost for the access line from the handler\'s headers', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const base = await listen(
      async (_event, responseStream) => {
        startHttpResponse(responseStream, {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'x-switchyard-tier': '2', 'x-switchyard-model': 'mock/large', 'x-switchyard-cost-usd': '0.000001500' },
        }).end('{}');
      },
      recorded,
    );

    const response = await fetch(`${base}/v1/chat/completions?debug=1`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' });

    expect(await response.text()).toBe('{}');
    // A JSON answer is one write: it goes out whole, with its length, as before streaming.
    expect(response.headers.get('content-length')).toBe('2');
    expect(recorded.lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 200 tier=2 model=mock\/large cost=\$0\.000001500 \d+ms$/)]);
  });

  it('delivers a streamed answer frame by frame as it is produced, as text/event-stream, with one access line when it ends', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const { handler, state, next } = streamingHandler({ count: 3, paced: true });
    const base = await listen(handler, recorded);

    const response = await fetch(`${base}/v1/chat/completions`, chat);
    const reader = response.body!.getReader();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-switchyard-model')).toBe('mock/small');
    // The second frame is produced only after the first has reached the client.
    expect(await nextChunk(reader)).toBe(frame(0));
    expect(state.produced).toBe(1);
    expect(recorded.lines).toEqual([]);
    next();
    expect(await nextChunk(reader)).toBe(frame(1));
    next();
    expect(await nextChunk(reader)).toBe(frame(2));
    expect((await reader.read()).done).toBe(true);

    await eventually(() => expect(recorded.lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 200 tier=1 model=mock\/small cost=- \d+ms$/)]));
    expect(state.ended).toBe(true);
    expect(recorded.errors).toEqual([]);
  });

  it('stops the stream, ending the provider call, when the client aborts, and writes one access line', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const { handler, state } = streamingHandler({ count: 1000, gapMs: 10 });
    const base = await listen(handler, recorded);
    const abort = new AbortController();

    const response = await fetch(`${base}/v1/chat/completions`, { ...chat, signal: abort.signal });
    expect((await nextChunk(response.body!.getReader())).startsWith(frame(0))).toBe(true);
    abort.abort();

    await eventually(() => expect(state.ended).toBe(true));
    expect(state.produced).toBeLessThan(50);
    await eventually(() => expect(recorded.lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 200 tier=1 model=mock\/small /)]));
    expect(recorded.errors).toEqual([]);
  });
});
