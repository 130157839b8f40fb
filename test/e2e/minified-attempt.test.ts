/**
 * The error contract survives minification: the attempt function, bundled and
 * minified exactly as CDK deploys it, runs as the fallback state machine's
 * task, and the state machine still retries and catches on its error names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryCircuitStore } from '../../lambda/core/execution/circuit-breaker';
import { PROVIDER_ERROR_NAMES } from '../../lambda/core/base/errors';
import type { AttemptTaskInput, FallbackInput } from '../../lambda/core/execution/fallback-contract';
import { createMemoryLedger } from '../../lambda/core/accounting/ledger';
import { createMemoryBudgetStore } from '../../lambda/core/accounting/budgets';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { createLocalFallback } from '../../lambda/local/local-fallback';
import { LAMBDA_ENTRIES } from '../../lib/bundling';
import { bundleAsDeployed, useDeployedEnvironment } from '../support/deployed-bundle';
import { lambdaContext } from '../../lambda/local/lambda-runtime';
import { fixture } from '../support/fixtures';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

const TABLE = 'minified-ledger';

describe('the minified attempt function as the state machine task', () => {
  let provider: ScriptedServer;
  let dynamo: EmbeddedDynamo;
  let bundleDir: string;
  let document: PolicyDocument;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    provider = await startScriptedServer((request) =>
      JSON.parse(request.body).model === 'first'
        ? { status: 429, body: fixture('openai/error-rate-limit.json') }
        : { status: 400, body: fixture('openai/error-bad-request.json') },
    );
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
    document = {
      version: 1,
      providers: { wire: { kind: 'openai-compatible', baseUrl: `${provider.url}/v1` } },
      models: {
        'wire/first': { contextWindow: 8000, maxOutputTokens: 100, price: { input: '1', output: '1', source: 't', asOf: '2026-01-01' } },
        'wire/second': { contextWindow: 8000, maxOutputTokens: 100, price: { input: '1', output: '1', source: 't', asOf: '2026-01-01' } },
      },
      tiers: { '0': ['wire/first', 'wire/second'], '1': ['wire/first'], '2': ['wire/first'], '3': ['wire/first'] },
      flagship: 'wire/first',
    };

    bundleDir = await bundleAsDeployed(LAMBDA_ENTRIES.attempt, document);
    restoreEnvironment = useDeployedEnvironment(TABLE, dynamo.endpoint);
  });
  afterAll(async () => {
    restoreEnvironment();
    await dynamo.close();
    await provider.close();
  });

  it('is minified: the error classes lose their names, the error names stay', () => {
    const code = readFileSync(join(bundleDir, 'index.js'), 'utf8');
    expect(code).not.toMatch(/class ProviderError\b/);
    expect(code).toContain(PROVIDER_ERROR_NAMES.throttled);
  });

  it('is retried on a throttle and stopped on a rejection by the deployed definition', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(join(bundleDir, 'index.js')) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
    const policy = loadPolicy(document);
    const taskCalls: AttemptTaskInput[] = [];
    const runner = createLocalFallback(
      {
        policy,
        providers: { get: () => {
          throw new Error('the bundle calls providers itself');
        }, isSimulated: () => false },
        ledger: createMemoryLedger(),
        circuits: createMemoryCircuitStore(policy.fallback.circuitBreaker),
        budgets: createMemoryBudgetStore(),
        clock: Date,
        log: { info: () => undefined, error: () => undefined },
      },
      {
        timeoutSeconds: 20,
        retryIntervalMs: 1,
        attempt: (input) => {
          taskCalls.push(input);
          return bundled.handler(input, lambdaContext());
        },
      },
    );
    const input: FallbackInput = {
      requestId: 'minified-1',
      callerId: 'key:test',
          keyBudget: null,
      tier: 0,
      route: null,
      request: { messages: [{ role: 'user', content: 'hi' }], maxTokens: 50 },
      candidates: ['wire/first', 'wire/second'],
      contextWindows: [8000, 8000],
      candidateCount: 2,
      cursor: { index: 0 },
      contextFloor: { value: 0 },
      attemptOffset: 0,
      initialWaitSeconds: 0,
      deadline: Date.now() + 20_000,
    };
    const outcome = await runner.run(input, AbortSignal.timeout(20_000));
    expect(outcome.status).toBe('stopped');
    expect(outcome.status === 'stopped' && outcome.error).toBe(PROVIDER_ERROR_NAMES.rejected);
    expect(outcome.status === 'stopped' ? outcome.message : '').toMatch(/does not support 0.2/);
    const tried = taskCalls.map((call) => call.model);
    expect(tried).toEqual([...Array(1 + policy.fallback.retry.maxAttempts).fill('wire/first'), 'wire/second']);
    expect(provider.requests.length).toBe(tried.length);
  });
});
