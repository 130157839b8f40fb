/**
 * `npm run bench`: what the router itself costs per request, how fast the
 * classifier is, how big and quick to load the Lambda bundle is, and what the
 * local gateway adds to a streamed answer's first chunk.
 * Figures depend on the machine: compare them with each other (ratios), or
 * note the machine they came from.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createDynamoStores } from '../lambda/adapters/dynamodb/dynamodb-stores';
import { classifyPrompt } from '../lambda/core/routing/classifier';
import { classifyTrained } from '../lambda/core/routing/trained-classifier';
import { estimateTokens } from '../lambda/core/routing/token-estimate';
import type { ChatMessage } from '../lambda/core/model/message';
import { createGateway } from '../lambda/core/gateway/create-gateway';
import { createMemoryLedger, type Ledger } from '../lambda/core/accounting/ledger';
import { createMemoryCircuitStore, type CircuitStore } from '../lambda/core/execution/circuit-breaker';
import { createInProcessFallback } from '../lambda/core/execution/in-process-fallback';
import { createMemoryFeedbackStore } from '../lambda/core/features/feedback';
import { createMemoryBudgetStore } from '../lambda/core/accounting/budgets';
import assert from 'node:assert/strict';
import type { Policy } from '../lambda/policy/policy';
import { loadPolicy } from '../lambda/policy/load-policy';
import { createLocalFallback } from '../lambda/local/local-fallback';
import { createRouterHandler, type RouterHandler } from '../lambda/handlers/create-router-handler';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo } from '../lambda/local/dynalite';
import { DEFAULT_POLICY_FILE, readPolicyDocument, readPolicyFile } from '../lambda/policy/policy-file';
import type { PolicyDocument, Tier } from '../lambda/policy/schema';
import { createProviderRegistry } from '../lambda/providers/registry';
import { lambdaContext, proxyEvent, readStreamedAnswer, RecordedResponseStream, useLambdaStreamingRuntime } from '../lambda/local/lambda-runtime';
import { randomUUID } from 'node:crypto';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../lambda/contract/deployment';
import { bundle } from './bench-bundle';
import { streamingFirstChunk } from './bench-first-chunk';
import { atMemorySizes, wholeGateway } from './bench-gateway';
import { auditThroughput } from './bench-audit';

process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const PARAGRAPH =
  'The quarterly report covers revenue by region, churn among enterprise customers and the roadmap for the next release. ' +
  'Each section lists the owners, the open questions and the decisions made in the planning meeting last Thursday. ';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const microseconds = (value: number) => `${value.toFixed(1)} µs`;
/** Requests sent before the router overhead is measured. */
const ROUTER_WARM_UP = 500;
const milliseconds = (value: number) => `${value.toFixed(2)} ms`;

interface HandlerRun {
  readonly p50: number;
  readonly p99: number;
  /** CPU time of this process per measured request: the handler's, the mock provider's and the driver's, not an out-of-process DynamoDB's. */
  readonly cpuMsPerRequest: number;
}

/** The whole Lambda handler, `concurrency` requests at a time, a fresh request id each. */
async function routerOverhead(ledger: Ledger, circuits: CircuitStore, requests: number, concurrency = 1, policy = readPolicyFile(DEFAULT_POLICY_FILE)): Promise<HandlerRun> {
  const escalates = [0, 1, 2].some((tier) => policy.verification[tier as Tier]?.onFail === 'escalate');
  const dependencies = {
    policy,
    providers: createProviderRegistry(policy.providers, { simulate: new Set(Object.keys(policy.providers)), apiKeys: {} }),
    ledger,
    circuits,
    budgets: createMemoryBudgetStore(),
    clock: Date,
    log: { info: () => undefined, error: () => undefined },
  };
  const gateway = createGateway({ ...dependencies, fallback: createInProcessFallback(dependencies), usage: { readDay: async () => assert.fail('unused') }, feedback: createMemoryFeedbackStore() });
  const handler: RouterHandler = createRouterHandler({
    start: async () => ({ gateway, requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS }),
    logger: new Logger({ logLevel: 'WARN' }),
    metrics: new Metrics({ namespace: 'Bench', serviceName: 'bench' }),
  });
  const body = JSON.stringify({
    model: 'auto',
    max_tokens: 256,
    messages: [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: `Summarise the notes below in three bullet points.\n\n${PARAGRAPH.repeat(4)}` },
    ],
  });
  const context = lambdaContext(60_000);
  const samples: number[] = [];
  // The handler writes its answer to a response stream, as it does in Lambda.
  const restoreRuntime = useLambdaStreamingRuntime();
  let next = 0;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const worker = async () => {
    while (next < requests + ROUTER_WARM_UP) {
      const index = next;
      next += 1;
      if (index === ROUTER_WARM_UP) cpuAtStart = process.cpuUsage();
      const event = proxyEvent({ resource: '/chat/completions', body, principalId: 'key:bench' });
      // A fresh request id each time: a repeated one would make every ledger write after the first a no-op.
      event.requestContext.requestId = `bench-${index}-${randomUUID()}`;
      const stream = new RecordedResponseStream();
      const started = process.hrtime.bigint();
      await handler(event, stream, context);
      const elapsed = Number(process.hrtime.bigint() - started) / 1000;
      const result = readStreamedAnswer(stream);
      if (result.statusCode !== 200) throw new Error(`bench request failed: ${result.body}`);
      if (escalates && result.headers['x-switchyard-escalated'] !== 'true') throw new Error('bench cascade request was not escalated');
      if (index >= ROUTER_WARM_UP) samples.push(elapsed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpuAtStart);
  restoreRuntime();
  return { ...summary(samples), cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests };
}

/** Router overhead with the ledger, circuits and counters on DynamoDB behind these clients, and how many calls each request made. */
async function withDynamoLedger(client: DynamoDBClient, counterClient: DynamoDBClient, policy: Policy, concurrency = 1): Promise<HandlerRun & { callsPerRequest: number }> {
  await ensureLedgerTable(client, 'bench-ledger');
  let calls = 0;
  const counter = (next: (args: never) => Promise<unknown>) => async (args: never) => {
    calls += 1;
    return next(args);
  };
  for (const each of [client, counterClient]) each.middlewareStack.add(counter as never, { step: 'initialize' });
  const stopCounting = () => [client, counterClient].forEach((each) => each.middlewareStack.remove(counter as never));
  const stores = createDynamoStores({ client, counterClient, tableName: 'bench-ledger', circuitBreaker: policy.fallback.circuitBreaker });
  const requests = 2000;
  const result = await routerOverhead(stores.ledger, stores.circuits, requests, concurrency).finally(stopCounting);
  return { ...result, callsPerRequest: calls / (requests + ROUTER_WARM_UP) };
}

/** dynalite in a child process, so its work is not the router's: the closest this machine gets to DynamoDB across a network. */
async function startDynaliteProcess(): Promise<{ endpoint: string; stop(): void }> {
  const server = spawn(
    process.execPath,
    ['-e', "const s = require('dynalite')({ createTableMs: 0 }); s.listen(0, '127.0.0.1', () => console.log(s.address().port));"],
    { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    server.once('exit', (code) => reject(new Error(`dynalite ended (${code}) before it listened`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.kill() };
}

/** Direct answers against answers after one fallback hop through the local state machine. */
async function fallbackHop(requests: number): Promise<{ direct: { p50: number; p99: number }; hop: { p50: number; p99: number } }> {
  const price = { input: '1', output: '1', source: 'bench', asOf: '2026-01-01' };
  const policy = loadPolicy({
    version: 1,
    models: {
      'mock/refuses': { contextWindow: 8000, maxOutputTokens: 500, price, simulation: { failureRate: 1, failures: ['content_filter'] } },
      'mock/answers': { contextWindow: 8000, maxOutputTokens: 500, price },
    },
    tiers: { '0': ['mock/answers'], '1': ['mock/refuses', 'mock/answers'], '2': ['mock/answers'], '3': ['mock/answers'] },
    flagship: 'mock/answers',
  });
  const dependencies = {
    policy,
    providers: createProviderRegistry(policy.providers, { simulate: new Set(), apiKeys: {} }),
    ledger: createMemoryLedger(),
    circuits: createMemoryCircuitStore({ failureThreshold: 1_000_000, cooldownSeconds: 1 }),
    budgets: createMemoryBudgetStore(),
    clock: Date,
    log: { info: () => undefined, error: () => undefined },
  };
  const gateway = createGateway({
    ...dependencies,
    fallback: createLocalFallback(dependencies, { timeoutSeconds: 29 }),
    usage: { readDay: async () => assert.fail('unused') },
    feedback: createMemoryFeedbackStore(),
  });
  const measure = async (model: string) => {
    const samples: number[] = [];
    for (let index = 0; index < requests + 50; index += 1) {
      const started = process.hrtime.bigint();
      const response = await gateway({
        requestId: `bench-${model}-${index}`,
        method: 'POST',
        path: '/chat/completions',
        headers: {},
        query: {},
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }] }),
        callerId: 'key:bench',
        deadline: Date.now() + DEFAULT_REQUEST_TIMEOUT_MS,
      });
      if (response.status !== 200) throw new Error(`bench request failed: ${response.body}`);
      if (index >= 50) samples.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    return summary(samples);
  };
  return { direct: await measure('tier-0'), hop: await measure('tier-1') };
}

/**
 * Times `classify` on a prompt of about `tokens` tokens; what it returns is
 * shown beside the figures. The prompt is varied text, our labelled prompts
 * one after another, so it has as many distinct words as real text.
 */
function classifierSpeed<T>(tokens: number, classify: (messages: ChatMessage[]) => T): { p50: number; p99: number; result: T } {
  const labelled = readFileSync(join(__dirname, '..', 'lib', 'eval', 'labelled', 'tiers.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
  let content = '';
  const messages = (): ChatMessage[] => [{ role: 'user', content }];
  for (let index = 0; estimateTokens(messages()) < tokens; index += 1) content += `${labelled[index % labelled.length]!}\n`;
  const prompt = messages();
  const samples: number[] = [];
  let result = classify(prompt);
  for (let index = 0; index < 3000; index += 1) {
    const started = process.hrtime.bigint();
    result = classify(prompt);
    if (index >= 500) samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return { ...summary(samples), result };
}

/** The default policy with the cascade on tiers 0 to 2 and a verifier (on the mock provider) that fails every answer, so each request escalates. */
function cascadePolicy(): Policy {
  const document = readPolicyDocument(DEFAULT_POLICY_FILE) as PolicyDocument;
  const verifier = { contextWindow: 8000, maxOutputTokens: 200, price: { input: '1', output: '5', source: 'bench', asOf: '2026-12-05' }, simulation: { reply: '{"score": 0.2, "reason": "bench"}' } };
  const escalate = { model: 'mock/verifier', onFail: 'escalate' as const };
  return loadPolicy({ ...document, models: { ...document.models, 'mock/verifier': verifier }, verification: { ...document.verification, '0': escalate, '1': escalate, '2': escalate } }, 'bench cascade');
}

async function main(): Promise<void> {
  console.log(`Switchyard benchmark on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);

  const policy = readPolicyFile(DEFAULT_POLICY_FILE);
  const memoryStores = () => [createMemoryLedger(), createMemoryCircuitStore(policy.fallback.circuitBreaker)] as const;
  const noLedger = await routerOverhead(...memoryStores(), 5000);
  const cascade = await routerOverhead(...memoryStores(), 2000, 1, cascadePolicy());
  const embedded = await startEmbeddedDynamo();
  const inProcess = await withDynamoLedger(embedded.client, embedded.counterClient, policy);
  await embedded.close();
  const separate = await startDynaliteProcess();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: separate.endpoint });
  const counterClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint: separate.endpoint, maxAttempts: 1 });
  const outOfProcess = await withDynamoLedger(client, counterClient, policy);
  // Concurrency 32, alternated in blocks so drift on a shared machine hits both alike: the floor without ledger I/O, and the ledger as in AWS.
  const concurrent = { floor: [] as HandlerRun[], ledger: [] as (HandlerRun & { callsPerRequest: number })[] };
  for (let block = 0; block < 3; block += 1) {
    concurrent.floor.push(await routerOverhead(...memoryStores(), 2000, 32));
    concurrent.ledger.push(await withDynamoLedger(client, counterClient, policy, 32));
  }
  [client, counterClient].forEach((each) => each.destroy());
  separate.stop();
  const cpuOf = (runs: HandlerRun[]) => runs.map((run) => run.cpuMsPerRequest).sort((x, y) => x - y)[1]!;
  console.log('(a) router overhead per request, whole Lambda handler, mock provider at zero latency, a fresh request id each time');
  console.log(`    without ledger I/O:                             p50 ${microseconds(noLedger.p50)}   p99 ${microseconds(noLedger.p99)}   (target p50 < 1000 µs)`);
  console.log(`    cascade, checked and escalated (three calls):   p50 ${microseconds(cascade.p50)}   p99 ${microseconds(cascade.p99)}   (${(cascade.p50 / noLedger.p50).toFixed(2)}x the plain request)`);
  console.log(`    ledger on dynalite in this process (npm start): p50 ${microseconds(inProcess.p50)}   p99 ${microseconds(inProcess.p99)}`);
  console.log(`    ledger on dynalite in its own process (as AWS): p50 ${microseconds(outOfProcess.p50)}   p99 ${microseconds(outOfProcess.p99)}`);
  console.log(`    the ledger's DynamoDB calls per request:        ${outOfProcess.callsPerRequest.toFixed(2)} (the attempt record; circuit states are refreshed behind the answer; aggregates are built off the path)`);
  console.log('    CPU per request at concurrency 32 (this process only; dynalite\'s own process excluded), median of 3 alternating blocks:');
  console.log(`      without ledger I/O (the floor): ${milliseconds(cpuOf(concurrent.floor))}`);
  console.log(`      ledger on, DynamoDB out of process: ${milliseconds(cpuOf(concurrent.ledger))} (${(cpuOf(concurrent.ledger) / cpuOf(concurrent.floor)).toFixed(2)}x the floor; target <= 1.50 ms)`);

  console.log('\n(b) classifier per call');
  console.log('    classifier v1, as "auto" routes (v0 rules as signals, three heads, reasons with top words):');
  for (const tokens of [100, 1000, 4000]) {
    const result = classifierSpeed(tokens, (messages) => classifyTrained({ messages, maxTokens: undefined }));
    console.log(
      `    ${String(tokens).padStart(5)} tokens:   p50 ${microseconds(result.p50)}   p99 ${microseconds(result.p99)}   (tier ${result.result.tier}, P(tier 2+) ${result.result.scores.tier_2_or_more.toFixed(3)}; target p99 < 500 µs at 4k)`,
    );
  }
  console.log('    of which v0\'s rules (alone, with classifier.model "rules"):');
  for (const tokens of [100, 1000, 4000]) {
    const result = classifierSpeed(tokens, (messages) => classifyPrompt({ messages, maxTokens: undefined }).tier);
    console.log(`    ${String(tokens).padStart(5)} tokens:   p50 ${microseconds(result.p50)}   p99 ${microseconds(result.p99)}   (tier ${result.result})`);
  }

  const bundled = await bundle();
  console.log('\n(c) router bundle (esbuild, minified, AWS SDK included)');
  console.log(`    size:               ${bundled.bytes} bytes (${(bundled.bytes / 1024).toFixed(0)} KiB; target < 1.05 MB)`);
  console.log(`    source map:         ${bundled.mapBytes} bytes, shipped beside it`);
  console.log(`    module init:        median ${bundled.initMedianMs.toFixed(1)} ms as deployed (source maps off; target < 150 ms), over ${bundled.runs} fresh node processes`);
  console.log(`    with --enable-source-maps: median ${bundled.initWithMapsMedianMs.toFixed(1)} ms (+${(bundled.initWithMapsMedianMs - bundled.initMedianMs).toFixed(1)} ms a cold start)`);

  const hop = await fallbackHop(500);
  console.log('\n(d) one fallback hop, locally: the first model refuses (content filter), the state machine tries the next');
  console.log(`    answered directly:            p50 ${microseconds(hop.direct.p50)}   p99 ${microseconds(hop.direct.p99)}`);
  console.log(`    answered after one hop:       p50 ${microseconds(hop.hop.p50)}   p99 ${microseconds(hop.hop.p99)}`);
  console.log(`    extra latency of the hop:     p50 ${microseconds(hop.hop.p50 - hop.direct.p50)} (aws-local-stepfunctions, in-memory ledger)`);

  const [requests, warmUp] = [1000, 100];
  const levels = await streamingFirstChunk({ concurrencies: [1, 32], requests, warmUp });
  console.log('\n(e) streaming first-chunk overhead: time from sending the request to the first data: event with text in choices[0].delta.content');
  console.log(`    upstream: 127.0.0.1, replays a real OpenAI SSE transcript at once; ${requests} requests per level and side after ${warmUp} warm-up; fetch, keep-alive, both sides`);
  for (const { concurrency, direct, gateway } of levels) {
    const straight = summary(direct.firstChunkMs);
    const through = summary(gateway.firstChunkMs);
    const added = { p50: through.p50 - straight.p50, p99: through.p99 - straight.p99 };
    const addedWhole = summary(gateway.wholeStreamMs).p50 - summary(direct.wholeStreamMs).p50;
    const label = `concurrency ${String(concurrency).padStart(2)}:`;
    console.log(`    ${label.padEnd(17)}direct to upstream:   p50 ${milliseconds(straight.p50)}   p99 ${milliseconds(straight.p99)}`);
    console.log(`    ${''.padEnd(17)}through the gateway:  p50 ${milliseconds(through.p50)}   p99 ${milliseconds(through.p99)}`);
    console.log(
      `    ${''.padEnd(17)}added by the gateway: p50 ${milliseconds(added.p50)}   p99 ${milliseconds(added.p99)}   ` +
        `(target p50 < 2 ms: ${added.p50 < 2 ? 'met' : 'missed'}; whole stream to [DONE]: p50 ${addedWhole >= 0 ? '+' : ''}${milliseconds(addedWhole)})`,
    );
  }
  console.log('    The gateway figure includes the local HTTP hop (client -> gateway -> upstream, all in this process) and the real');
  console.log('    ledger on embedded DynamoDB with a fresh request id per request: its reads come before the first chunk; its write');
  console.log('    comes before [DONE], so the whole-stream figure includes it, and at concurrency 32 it delays other requests\' first chunks.');
  console.log(`    Concurrency 32 on ${cpus().length} cores measures queueing too: client, gateway, upstream and DynamoDB share one Node event loop.`);

  const whole = await wholeGateway({ concurrencies: [1, 32], requests: 600, warmUp: 100 });
  console.log('\n(f) the whole gateway against a bare Node proxy, the floor, in the same run: model "auto", a mock OpenAI upstream that answers at once');
  console.log('    the proxy and the gateway (npm start\'s code, its ledger on the embedded DynamoDB, a fresh request id each time) each in their own process');
  for (const { concurrency, direct, proxy, gateway } of whole) {
    const straight = summary([...direct.latencyMs]);
    const added = (side: typeof proxy) => {
      const through = summary([...side.latencyMs]);
      return { p50: through.p50 - straight.p50, p99: through.p99 - straight.p99 };
    };
    const [byProxy, byGateway] = [added(proxy), added(gateway)];
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
    console.log(`    concurrency ${String(concurrency).padStart(2)}: direct p50 ${milliseconds(straight.p50)}   p99 ${milliseconds(straight.p99)}`);
    console.log(`        bare proxy:  CPU ${milliseconds(proxy.cpuMsPerRequest!)} per request; added p50 ${milliseconds(byProxy.p50)}   p99 ${milliseconds(byProxy.p99)}`);
    console.log(`        Switchyard:  CPU ${milliseconds(gateway.cpuMsPerRequest!)} per request; added p50 ${milliseconds(byGateway.p50)}   p99 ${milliseconds(byGateway.p99)}`);
    console.log(`        ratio to the floor: CPU ${ratio(gateway.cpuMsPerRequest!, proxy.cpuMsPerRequest!)}, added p50 ${ratio(byGateway.p50, byProxy.p50)}, added p99 ${ratio(byGateway.p99, byProxy.p99)}`);
    console.log(
      `        throughput: Switchyard ${gateway.requestsPerSecond.toFixed(0)} req/s, proxy ${proxy.requestsPerSecond.toFixed(0)} req/s, direct ${direct.requestsPerSecond.toFixed(0)} req/s` +
        (concurrency === 32 ? ` (target >= 600 req/s for npm start: ${gateway.requestsPerSecond >= 600 ? 'met' : 'missed'})` : ''),
    );
  }
  const audit = await auditThroughput(1_000_000);
  console.log('\n(g) the cost audit (npx switchyard audit) on a generated log of OpenAI request/response lines, our labelled prompts, classifier on');
  console.log(`    ${audit.lines.toLocaleString('en-US')} lines (${(audit.bytes / 1024 / 1024).toFixed(0)} MB): ${audit.seconds.toFixed(1)} s, ${audit.requestsPerSecond.toFixed(0)} requests/s (target: 1M lines in under 60 s: ${audit.seconds < 60 ? 'met' : 'missed'})`);
  console.log(`    the same without the classifier (reading, parsing and pricing alone): ${audit.withoutClassifierSeconds.toFixed(1)} s; peak RSS ${audit.peakRssMb.toFixed(0)} MB`);
  await atMemorySizes([512, 256, 192], console.log);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
