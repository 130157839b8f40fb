/**
 * One scenario table of failures, run against both fallback runners: the
 * in-process walk and the deployed state machine definition run by
 * aws-local-stepfunctions. Each walk starts from the plan `planFallback`
 * makes after the router's own first try failed, and both runners must agree
 * with each other and with the table: the outcome, the calls each provider
 * received, and the ledger rows.
 */
import type { AttemptContext, AttemptDependencies, AttemptRequest } from '../../lambda/core/execution/attempt-contract';
import { createMemoryBudgetStore } from '../../lambda/core/accounting/budgets';
import { createMemoryCircuitStore } from '../../lambda/core/execution/circuit-breaker';
import { BUDGET_ERROR_NAMES, PROVIDER_ERROR_NAMES, ProviderError, ROUTING_ERROR_NAMES, type ProviderFailureKind } from '../../lambda/core/base/errors';
import type { KeyBudget } from '../../lambda/core/features/managed-keys';
import { planFallback, type FallbackRunner } from '../../lambda/core/execution/fallback-contract';
import { createInProcessFallback } from '../../lambda/core/execution/in-process-fallback';
import { createMemoryLedger } from '../../lambda/core/accounting/ledger';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { ProviderRegistry } from '../../lambda/core/model/provider';
import type { Completion } from '../../lambda/core/model/completion';
import { createLocalFallback } from '../../lambda/local/local-fallback';

const PRICE = { input: '1', output: '2', source: 'test', asOf: '2026-01-01' };
const RETRIES = 2;
const policy = loadPolicy({
  version: 1,
  models: {
    'mock/a': { contextWindow: 8000, maxOutputTokens: 100, price: PRICE },
    'mock/b': { contextWindow: 8000, maxOutputTokens: 100, price: PRICE },
    'mock/wide': { contextWindow: 100_000, maxOutputTokens: 100, price: PRICE },
  },
  tiers: { '0': ['mock/a'], '1': ['mock/a'], '2': ['mock/a'], '3': ['mock/a'] },
  flagship: 'mock/wide',
  fallback: { retry: { maxAttempts: RETRIES }, circuitBreaker: { failureThreshold: 1000 } },
});

type Call = ProviderFailureKind | 'ok';

interface Scenario {
  readonly name: string;
  readonly chain: readonly string[];
  /** How the router's own first try at the first candidate failed. */
  readonly first: ProviderFailureKind;
  /** What each model answers, call after call, in the walk. */
  readonly script: Readonly<Record<string, readonly Call[]>>;
  readonly expected: { readonly outcome: string; readonly calls: readonly string[] };
  /** A managed key's budget, which the walk's attempts must reserve against. */
  readonly keyBudget?: KeyBudget;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'a throttled first try is retried on the same model', chain: ['mock/a', 'mock/b'], first: 'throttled', script: { 'mock/a': ['ok'] }, expected: { outcome: 'answered by mock/a', calls: ['mock/a'] } },
  {
    name: 'a model that stays down is retried, then the next answers',
    chain: ['mock/a', 'mock/b'],
    first: 'unavailable',
    script: { 'mock/a': ['unavailable', 'unavailable', 'unavailable'], 'mock/b': ['ok'] },
    expected: { outcome: 'answered by mock/b', calls: ['mock/a', 'mock/a', 'mock/a', 'mock/b'] },
  },
  {
    name: 'a malformed answer is retried and the retry succeeds',
    chain: ['mock/a', 'mock/b'],
    first: 'malformed_response',
    script: { 'mock/a': ['malformed_response', 'ok'] },
    expected: { outcome: 'answered by mock/a', calls: ['mock/a', 'mock/a'] },
  },
  { name: 'a content-filter refusal moves straight on', chain: ['mock/a', 'mock/b'], first: 'content_filter', script: { 'mock/b': ['ok'] }, expected: { outcome: 'answered by mock/b', calls: ['mock/b'] } },
  {
    name: 'a context-length failure skips windows no larger, untried',
    chain: ['mock/a', 'mock/b', 'mock/wide'],
    first: 'context_length',
    script: { 'mock/wide': ['ok'] },
    expected: { outcome: 'answered by mock/wide', calls: ['mock/wide'] },
  },
  {
    name: 'a context-length failure in the walk raises the floor to that window',
    chain: ['mock/a', 'mock/wide', 'mock/b'],
    first: 'content_filter',
    script: { 'mock/wide': ['context_length'] },
    expected: { outcome: `exhausted after ${ROUTING_ERROR_NAMES.skipped}`, calls: ['mock/wide'] },
  },
  {
    name: 'a rejected request stops the walk',
    chain: ['mock/a', 'mock/b', 'mock/wide'],
    first: 'content_filter',
    script: { 'mock/b': ['rejected'] },
    expected: { outcome: `stopped by ${PROVIDER_ERROR_NAMES.rejected}`, calls: ['mock/b'] },
  },
  {
    name: 'every candidate failing exhausts the chain, naming the last failure',
    chain: ['mock/a', 'mock/b'],
    first: 'provider_auth',
    script: { 'mock/b': ['timeout', 'timeout', 'timeout'] },
    expected: { outcome: `exhausted after ${PROVIDER_ERROR_NAMES.timeout}`, calls: ['mock/b', 'mock/b', 'mock/b'] },
  },
  {
    name: "a managed key's block budget, carried into the walk, refuses before any call",
    chain: ['mock/a', 'mock/b'],
    first: 'content_filter',
    script: {},
    keyBudget: { usd: '0', mode: 'block' },
    expected: { outcome: `stopped by ${BUDGET_ERROR_NAMES.noRoom}`, calls: [] },
  },
];

function scriptedProviders(script: Scenario['script']): ProviderRegistry & { readonly calls: string[] } {
  const calls: string[] = [];
  const turns = new Map<string, number>();
  return {
    calls,
    isSimulated: () => false,
    get: (provider) => ({
      async complete(call): Promise<Completion> {
        const model = call.model.id;
        calls.push(model);
        const turn = turns.get(model) ?? 0;
        turns.set(model, turn + 1);
        const answer = script[model]?.[turn];
        if (answer === undefined) throw new Error(`the scenario has no answer for call ${turn + 1} to ${model}`);
        if (answer === 'ok') return { content: `answer from ${model}`, finishReason: 'stop', usage: { input: 3, output: 2, cacheRead: 0, cacheWrite: 0 }, simulated: false };
        throw new ProviderError(answer, `scripted ${answer}`, { provider, model, usage: { input: 3, output: 0, cacheRead: 0, cacheWrite: 0 } });
      },
    }),
  };
}

type RunnerFactory = (dependencies: AttemptDependencies) => FallbackRunner;

const RUNNERS: Readonly<Record<string, RunnerFactory>> = {
  'in-process walk': (dependencies) => createInProcessFallback(dependencies, { random: () => 0, sleep: async () => undefined }),
  'local state machine': (dependencies) => createLocalFallback(dependencies, { timeoutSeconds: 10, retryIntervalMs: 0 }),
};

async function walk(scenario: Scenario, runner: RunnerFactory) {
  const providers = scriptedProviders(scenario.script);
  const ledger = createMemoryLedger();
  const dependencies: AttemptDependencies = {
    policy,
    providers,
    ledger,
    circuits: createMemoryCircuitStore(policy.fallback.circuitBreaker),
    budgets: createMemoryBudgetStore(),
    clock: Date,
    log: { info: () => undefined, error: () => undefined },
  };
  const chain = scenario.chain.map((id) => policy.models.get(id)!);
  const request: AttemptRequest = { messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }], maxTokens: 50 };
  const context: AttemptContext = {
    requestId: 'req-1',
    callerId: 'key:0000000000000000',
    tier: 1,
    route: null,
    deadline: Date.now() + 10_000,
    keyBudget: scenario.keyBudget ?? null,
  };
  const firstError = new ProviderError(scenario.first, `first try: ${scenario.first}`, { provider: 'mock', model: scenario.chain[0]! });
  const plan = planFallback({ error: firstError, attemptsUsed: 1 }, chain, request, context, policy.fallback);
  if (!plan.walk) throw new Error(`the plan walks nothing for ${scenario.name}`);

  const outcome = await runner(dependencies).run(plan.input, AbortSignal.timeout(10_000));
  const described =
    outcome.status === 'answered' ? `answered by ${outcome.model}` : outcome.status === 'stopped' ? `stopped by ${outcome.error}` : `exhausted after ${outcome.error}`;
  const rows = (await ledger.recordsFor('req-1')).map((record) => `${record.attempt} ${record.model} ${record.outcome}`);
  return { outcome: described, calls: providers.calls, rows };
}

describe('the fallback runners, on one scenario table', () => {
  for (const scenario of SCENARIOS) {
    it(`agree with the table and each other when ${scenario.name}`, async () => {
      const results = await Promise.all(Object.values(RUNNERS).map((runner) => walk(scenario, runner)));
      const [inProcess, stateMachine] = results;
      expect({ outcome: inProcess!.outcome, calls: inProcess!.calls }).toEqual(scenario.expected);
      expect(stateMachine).toEqual(inProcess);
      // One row per provider call, numbered after the router's own first try.
      expect(inProcess!.rows.map((row) => row.split(' ').slice(0, 2).join(' '))).toEqual(scenario.expected.calls.map((model, index) => `${index + 2} ${model}`));
    });
  }
});
