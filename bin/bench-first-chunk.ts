/**
 * Section (e) of `npm run bench`: how long a streamed answer's first piece of
 * text takes through the local gateway, against asking the upstream directly.
 * The upstream is a local server that replays a real OpenAI SSE transcript at
 * once, so the difference is what the gateway adds.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadPolicy } from '../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../lambda/local/local-gateway';

/** Milliseconds from sending each request: to the first chunk with text, and to `data: [DONE]`. */
export interface StreamTimings {
  readonly firstChunkMs: number[];
  readonly wholeStreamMs: number[];
}

export interface FirstChunkLevel {
  readonly concurrency: number;
  readonly direct: StreamTimings;
  readonly gateway: StreamTimings;
}

export interface FirstChunkOptions {
  readonly concurrencies: readonly number[];
  /** Measured requests per level and side. */
  readonly requests: number;
  /** Requests per level and side sent first and not measured. */
  readonly warmUp: number;
}

/** A recorded OpenAI stream, split into its events (the benchmark reads the fixture; it imports no test code). */
const EVENTS = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'openai', 'chat-completion-stream.txt'), 'utf8').split(/(?<=\n\n)/).filter(Boolean);
const ANSWER = 'You flew to Lisbon.';
const PRICE = { input: '1', output: '2', source: 'bench', asOf: '2026-01-01' };
const BODY = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }], stream: true });
/** Direct and gateway requests alternate in this many blocks per level, so drift on a shared machine hits both alike. */
const BLOCKS = 3;

export async function streamingFirstChunk(options: FirstChunkOptions): Promise<FirstChunkLevel[]> {
  const upstream = await startTranscriptUpstream();
  try {
    return await measure(upstream.url, options);
  } finally {
    await upstream.close();
  }
}

/** The local gateway with every tier on one model of the upstream, no retries, no verification: what the benchmarks put in front of it. */
export function startWireGateway(upstreamUrl: string, dynamoEndpoint?: string): Promise<LocalGateway> {
  const chain = ['wire/answers'];
  return startLocalGateway({
    port: 0,
    simulate: 'none',
    environment: {},
    ...(dynamoEndpoint ? { dynamoEndpoint } : {}),
    policy: loadPolicy({
      version: 1,
      providers: { wire: { kind: 'openai-compatible', baseUrl: `${upstreamUrl}/v1` } },
      models: { 'wire/answers': { contextWindow: 100_000, maxOutputTokens: 1000, price: PRICE } },
      tiers: { '0': chain, '1': chain, '2': chain, '3': chain },
      flagship: 'wire/answers',
      fallback: { retry: { maxAttempts: 0 }, circuitBreaker: { failureThreshold: 1000 } },
    }),
  });
}

async function measure(upstreamUrl: string, options: FirstChunkOptions): Promise<FirstChunkLevel[]> {
  const gateway = await startWireGateway(upstreamUrl);
  try {
    const direct = `${upstreamUrl}/v1/chat/completions`;
    const throughGateway = `${gateway.baseUrl}/chat/completions`;
    const levels: FirstChunkLevel[] = [];
    for (const concurrency of options.concurrencies) {
      await run(direct, options.warmUp, concurrency);
      await run(throughGateway, options.warmUp, concurrency);
      const level: FirstChunkLevel = { concurrency, direct: { firstChunkMs: [], wholeStreamMs: [] }, gateway: { firstChunkMs: [], wholeStreamMs: [] } };
      for (let block = 0; block < BLOCKS; block += 1) {
        const size = Math.floor(((block + 1) * options.requests) / BLOCKS) - Math.floor((block * options.requests) / BLOCKS);
        await run(direct, size, concurrency, level.direct);
        await run(throughGateway, size, concurrency, level.gateway);
      }
      levels.push(level);
    }
    return levels;
  } finally {
    await gateway.close();
  }
}

/** `requests` streamed requests, `concurrency` in flight at a time; their timings go to `into` when given. */
async function run(url: string, requests: number, concurrency: number, into?: StreamTimings): Promise<void> {
  let issued = 0;
  const worker = async () => {
    while (issued < requests) {
      issued += 1;
      const timing = await timeStream(url);
      into?.firstChunkMs.push(timing.firstChunkMs);
      into?.wholeStreamMs.push(timing.wholeStreamMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
}

/** Sends one streamed request and reads the body as it arrives, to the end, so the connection is reused. */
async function timeStream(url: string): Promise<{ firstChunkMs: number; wholeStreamMs: number }> {
  const started = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer bench-key' },
    body: BODY,
  });
  if (response.status !== 200 || !response.body) throw new Error(`bench stream to ${url} failed: ${response.status} ${await response.text()}`);
  if (response.headers.get('x-switchyard-simulated')) throw new Error('bench stream was simulated, not sent to the local upstream');
  const decoder = new TextDecoder();
  let buffered = '';
  let text = '';
  let firstChunkMs: number | undefined;
  let done = false;
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      if (data === '[DONE]') done = true;
      if (data === '' || data === '[DONE]') continue;
      const content = (JSON.parse(data) as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]?.delta?.content;
      if (typeof content !== 'string' || content === '') continue;
      firstChunkMs ??= elapsedMs();
      text += content;
    }
  }
  if (firstChunkMs === undefined || !done || text !== ANSWER) throw new Error(`bench stream to ${url} answered ${JSON.stringify(text)}${done ? '' : ' without [DONE]'}`);
  return { firstChunkMs, wholeStreamMs: elapsedMs() };
}

/** An OpenAI-compatible upstream on 127.0.0.1 that answers every chat completion with the transcript's events, one write each, without waiting. */
async function startTranscriptUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const event of EVENTS) response.write(event);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
