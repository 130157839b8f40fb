/**
 * Section (f) of `npm run bench`: the whole gateway against a bare Node
 * proxy, the floor, in the same run. A local mock OpenAI upstream answers a
 * chat completion at once; the same `model: "auto"` request goes to it
 * directly, through the proxy and through the local gateway (its ledger
 * real, a fresh request id each time), at each concurrency. The proxy and the
 * gateway each run in a process of their own, so their CPU time per request
 * is theirs alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedDynamo } from '../lambda/local/dynalite';

const BODY = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] });
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_764_201_600,
  model: 'gpt-4.1-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'You flew to Lisbon.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 14, completion_tokens: 6, total_tokens: 20 },
});
/** The sides alternate in this many blocks per level, so drift on a shared machine hits all alike. */
const BLOCKS = 3;

export interface Side {
  readonly latencyMs: number[];
  /** CPU time (user + system) of the side's own process over its measured requests, per request; the upstream's own side has none. */
  cpuMsPerRequest: number | null;
  /** Measured requests over the time the side took to answer them (the load generator shares the machine). */
  requestsPerSecond: number;
}

export interface GatewayLevel {
  readonly concurrency: number;
  readonly direct: Side;
  readonly proxy: Side;
  readonly gateway: Side;
}

export async function wholeGateway(options: { concurrencies: readonly number[]; requests: number; warmUp: number; cpuShare?: number; dynamoEndpoint?: string }): Promise<GatewayLevel[]> {
  const upstream = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on('end', () => outgoing.writeHead(200, { 'content-type': 'application/json' }).end(COMPLETION));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const proxy = await child('proxy', upstreamUrl);
  const gateway = await child('gateway', upstreamUrl, options.dynamoEndpoint);
  const release = options.cpuShare === undefined ? undefined : limitCpu(gateway.pid, options.cpuShare);
  try {
    const levels: GatewayLevel[] = [];
    for (const concurrency of options.concurrencies) {
      const level: GatewayLevel = {
        concurrency,
        direct: { latencyMs: [], cpuMsPerRequest: null, requestsPerSecond: 0 },
        proxy: { latencyMs: [], cpuMsPerRequest: 0, requestsPerSecond: 0 },
        gateway: { latencyMs: [], cpuMsPerRequest: 0, requestsPerSecond: 0 },
      };
      const sides = [
        { url: upstreamUrl, side: level.direct, process: undefined },
        { url: proxy.url, side: level.proxy, process: proxy },
        { url: gateway.url, side: level.gateway, process: gateway },
      ];
      for (const { url } of sides) await run(url, options.warmUp, concurrency, []);
      const cpu = new Map<Side, number>();
      const wallMs = new Map<Side, number>();
      for (let block = 0; block < BLOCKS; block += 1) {
        const size = Math.floor(((block + 1) * options.requests) / BLOCKS) - Math.floor((block * options.requests) / BLOCKS);
        for (const { url, side, process } of sides) {
          const before = process ? await process.cpuMs() : 0;
          const started = performance.now();
          await run(url, size, concurrency, side.latencyMs);
          wallMs.set(side, (wallMs.get(side) ?? 0) + performance.now() - started);
          if (process) cpu.set(side, (cpu.get(side) ?? 0) + (await process.cpuMs()) - before);
        }
      }
      for (const [side, total] of cpu) side.cpuMsPerRequest = total / options.requests;
      for (const [side, total] of wallMs) side.requestsPerSecond = (options.requests / total) * 1000;
      levels.push(level);
    }
    return levels;
  } finally {
    release?.();
    proxy.stop();
    gateway.stop();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
}

/** `requests` POSTs of the body, `concurrency` at a time; each latency in ms goes to `into`. */
async function run(base: string, requests: number, concurrency: number, into: number[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      next += 1;
      const started = performance.now();
      const response = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: BODY });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`bench request to ${base} failed (${response.status}): ${text.slice(0, 200)}`);
      into.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface Child {
  readonly url: string;
  readonly pid: number;
  cpuMs(): Promise<number>;
  stop(): void;
}

async function child(mode: 'proxy' | 'gateway', upstreamUrl: string, dynamoEndpoint?: string): Promise<Child> {
  const process: ChildProcess = fork(join(__dirname, 'bench-gateway-child.ts'), [mode, upstreamUrl, ...(dynamoEndpoint ? [dynamoEndpoint] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    process.once('message', (message) => resolve((message as { url: string }).url));
    process.once('exit', (code) => reject(new Error(`the ${mode} process ended (${code}) before it started`)));
  });
  return {
    url,
    pid: process.pid!,
    cpuMs: () =>
      new Promise((resolve) => {
        process.once('message', (usage) => resolve(((usage as NodeJS.CpuUsage).user + (usage as NodeJS.CpuUsage).system) / 1000));
        process.send('cpu');
      }),
    stop: () => process.kill(),
  };
}

/** Lambda gives a function CPU in proportion to its memory: a whole vCPU at 1,769 MB. */
export const MB_PER_VCPU = 1769;
const CGROUP_CPU = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

/**
 * Holds process `pid` to `share` of a CPU with a CFS bandwidth quota in a
 * cgroup of its own, as Lambda holds a function to its memory's share.
 * Needs root and the cgroup v1 cpu controller; returns the undo.
 */
export function limitCpu(pid: number, share: number): () => void {
  const group = `${CGROUP_CPU}/switchyard-bench-${pid}`;
  mkdirSync(group);
  writeFileSync(`${group}/cpu.cfs_period_us`, String(PERIOD_US));
  writeFileSync(`${group}/cpu.cfs_quota_us`, String(Math.round(PERIOD_US * share)));
  writeFileSync(`${group}/cgroup.procs`, String(pid));
  return () => {
    try {
      writeFileSync(`${CGROUP_CPU}/cgroup.procs`, String(pid));
    } catch {
      // The process has gone; its group empties with it.
    }
    rmdirSync(group);
  };
}

/** Whether {@link limitCpu} can work here. */
export function canLimitCpu(): boolean {
  try {
    const probe = `${CGROUP_CPU}/switchyard-bench-probe-${process.pid}`;
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Section (h): the whole gateway at concurrency 1 (Lambda serves one request
 * per environment) with its process held to the CPU share of each Lambda
 * memory size, against itself unlimited in the same run. Its ledger's
 * DynamoDB (dynalite) runs in this process, unheld, as Lambda's DynamoDB is
 * not the function's CPU; the local server, the HTTP client and the
 * aggregator's counting stay in the held process, where Lambda runs them
 * elsewhere or not at all: the figures are an upper bound.
 */
export async function atMemorySizes(sizesMb: readonly number[], print: (line: string) => void): Promise<void> {
  print('\n(h) the whole gateway at a Lambda memory size\'s CPU share (a CFS quota on its process, as Lambda applies), concurrency 1');
  if (!canLimitCpu()) return print('    skipped: holding a process to a CPU share needs root and the cgroup v1 cpu controller (/sys/fs/cgroup/cpu)');
  const format = (ms: number) => `${ms.toFixed(2)} ms`;
  const dynamo = await startEmbeddedDynamo();
  for (const size of [undefined, ...sizesMb]) {
    const [level] = await wholeGateway({ concurrencies: [1], requests: 300, warmUp: 50, dynamoEndpoint: dynamo.endpoint, ...(size === undefined ? {} : { cpuShare: size / MB_PER_VCPU }) });
    const { direct, gateway } = level!;
    const p = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
    const label = size === undefined ? 'unlimited' : `${size} MB (${((size / MB_PER_VCPU) * 100).toFixed(1)}% of a vCPU)`;
    print(`    ${label.padEnd(28)} added p50 ${format(p(gateway.latencyMs, 0.5) - p(direct.latencyMs, 0.5))}   p99 ${format(p(gateway.latencyMs, 0.99) - p(direct.latencyMs, 0.99))}   CPU ${format(gateway.cpuMsPerRequest!)} a request`);
  }
  await dynamo.close();
}
