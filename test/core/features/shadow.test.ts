import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import { createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import { createMemoryShadowResultStore, EXPERIMENTS_CALLER, parseJudgement, runShadowJob, sampled, type ShadowJob } from '../../../lambda/core/features/shadow';
import { createProviderRegistry } from '../../../lambda/providers/registry';
import { testPolicy, testPolicyDocument } from '../../support/policies';

const policy = testPolicy({
  models: { ...testPolicyDocument().models, 'mock/judge': { contextWindow: 8000, maxOutputTokens: 500, price: { input: '1', output: '1', source: 'test', asOf: '2026-11-27' }, simulation: { reply: '{"better": "tie", "reason": "Both are right."}' } } },
});

const job: ShadowJob = {
  requestId: 'req-shadow',
  callerId: 'key:0wner00000000000',
  tier: 1,
  route: null,
  name: 'tier-1',
  day: '2026-11-27',
  candidate: 'mock/small',
  judge: 'mock/judge',
  request: { messages: [{ role: 'user', content: 'Name a river.' }], maxTokens: 50 },
  primary: { model: 'mock/medium', content: 'The Tagus.', latencyMs: 12, costNanoUsd: '3000' },
};

describe('the shadow worker', () => {
  const setUp = () => {
    const ledger = createMemoryLedger();
    const shadowResults = createMemoryShadowResultStore();
    const dependencies = {
      policy,
      providers: createProviderRegistry(policy.providers, { simulate: new Set(), apiKeys: {} }),
      ledger,
      circuits: createMemoryCircuitStore(policy.fallback.circuitBreaker),
      budgets: createMemoryBudgetStore(),
      clock: { now: () => Date.now() },
      log: { info: () => undefined, error: () => undefined },
      shadowResults,
    };
    return { ledger, shadowResults, dependencies };
  };

  it('records the candidate and the judge as priced attempts and the comparison beside the primary', async () => {
    const { ledger, shadowResults, dependencies } = setUp();
    const result = await runShadowJob(job, dependencies);
    expect(ledger.records.map((record) => [record.attempt, record.model, record.purpose])).toEqual([
      [2, 'mock/small', 'shadow'],
      [3, 'mock/judge', 'judge'],
    ]);
    expect(result.candidate.costNanoUsd).toBe(ledger.records[0]!.costNanoUsd);
    expect(result.judge).toEqual({ model: 'mock/judge', verdict: 'tie', reason: 'Both are right.', costNanoUsd: ledger.records[1]!.costNanoUsd });
    expect(result.primary).toEqual({ model: 'mock/medium', costNanoUsd: 3000n, latencyMs: 12 });
    expect(shadowResults.results).toEqual([result]);
  });

  it("bills the candidate and the judge to the operator's experiments, outside the caller's key budget, and holds them to the experiments' own budget", async () => {
    const { ledger, dependencies } = setUp();
    // A caller whose key budget is spent: its request may still be shadowed, at the operator's expense.
    await runShadowJob({ ...job, keyBudget: { usd: '0', mode: 'block' } }, dependencies);
    expect(ledger.records.map((record) => [record.purpose, record.callerId])).toEqual([
      ['shadow', EXPERIMENTS_CALLER],
      ['judge', EXPERIMENTS_CALLER],
    ]);
    const capped = testPolicy({ ...testPolicyDocument(), budgets: { callers: { [EXPERIMENTS_CALLER]: { dailyUsd: '0', mode: 'block' } } } });
    const { ledger: refused, dependencies: base } = setUp();
    const result = await runShadowJob(job, { ...base, policy: capped });
    expect(result.candidate.outcome).toBe('Switchyard.BudgetExceeded');
    expect(refused.records).toEqual([]);
  });

  it('counts only its own calls when a job runs again, as a retried workflow task does', async () => {
    const { dependencies } = setUp();
    const first = await runShadowJob(job, dependencies);
    const second = await runShadowJob(job, dependencies);
    expect(second.candidate.costNanoUsd).toBe(first.candidate.costNanoUsd);
    expect(second.judge!.costNanoUsd).toBe(first.judge!.costNanoUsd);
  });
});

describe('the judge\'s reply, read strictly', () => {
  it('takes A, B or a tie in one JSON object, and nothing else', () => {
    expect(parseJudgement('{"better": "B", "reason": "B cites the dose."}')).toEqual({ better: 'B', reason: 'B cites the dose.' });
    for (const reply of ['B is better', '{"better": "b"}', '{"winner": "A"}', '```json\n{"better": "A"}\n```', '["A"]']) expect(parseJudgement(reply)).toBeUndefined();
  });
});

describe('sampling', () => {
  it('decides by the request id alone, so a replay decides the same, and takes all or none at the ends', () => {
    expect(sampled('req-1', 30)).toBe(sampled('req-1', 30));
    expect(['a', 'b', 'c'].every((id) => sampled(id, 100))).toBe(true);
    expect(['a', 'b', 'c'].some((id) => sampled(id, 0))).toBe(false);
  });
});
