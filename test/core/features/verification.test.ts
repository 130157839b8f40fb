import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import { parseChatRequest } from '../../../lambda/core/surfaces/openai-chat/parse-request';
import { attemptRequestOf } from '../../../lambda/core/execution/chain-runner';
import { createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import { ProviderError } from '../../../lambda/core/base/errors';
import type { Log } from '../../../lambda/core/base/telemetry';
import type { CompletionCall, ProviderRegistry } from '../../../lambda/core/model/provider';
import type { Completion } from '../../../lambda/core/model/completion';
import { decideRoute } from '../../../lambda/core/routing/decide-route';
import { DEFAULT_RUBRIC } from '../../../lambda/policy/load-policy';
import { parseVerdict, verificationFor, verificationShare, verifierRequest, verifyAndRetry } from '../../../lambda/core/features/verification';
import { defaultPolicy, testPolicy, testPolicyDocument } from '../../support/policies';
import { usage } from '../../support/scripted-providers';

const policy = testPolicy({
  models: {
    ...testPolicyDocument().models,
    'mock/verifier': { contextWindow: 8000, maxOutputTokens: 1000, price: { input: '1', output: '2', source: 'test', asOf: '2026-11-27' } },
  },
  verification: { '3': { model: 'mock/verifier', onFail: 'retry-next' } },
  routes: { triage: { tier: 0 }, unchecked: { tier: 3, verification: false }, strict: { tier: 3, verification: { model: 'mock/verifier', passScore: 0.9, onFail: 'error' } } },
});

/** Answers each model's call with `answers[model]`; the verifier judges by `judge(answer text)`. */
function registry(answers: Record<string, string | 'unavailable'>, judge: (answer: string) => string) {
  const calls: CompletionCall[] = [];
  const providers: ProviderRegistry = {
    isSimulated: () => false,
    get: (provider) => ({
      async complete(call): Promise<Completion> {
        calls.push(call);
        if (call.model.id === 'mock/verifier') {
          const answer = /<answer>\n([\s\S]*)\n<\/answer>/.exec(call.messages.at(-1)!.content)![1]!;
          return { content: judge(answer), finishReason: 'stop', usage: usage(50, 10), simulated: false };
        }
        const answer = answers[call.model.id];
        if (answer === undefined || answer === 'unavailable') throw new ProviderError('unavailable', 'scripted', { provider, model: call.model.id });
        return { content: answer, finishReason: 'stop', usage: usage(20, 5), simulated: false };
      },
    }),
  };
  return { providers, calls };
}

function setUp(answers: Record<string, string | 'unavailable'>, judge: (answer: string) => string, route?: string) {
  const ledger = createMemoryLedger();
  const logged: { message: string; fields: Record<string, unknown> }[] = [];
  const log: Log = { info: (message, fields) => logged.push({ message, fields }), error: (message, fields) => logged.push({ message, fields }) };
  const { providers, calls } = registry(answers, judge);
  const dependencies = {
    policy,
    providers,
    ledger,
    circuits: createMemoryCircuitStore(policy.fallback.circuitBreaker),
    budgets: createMemoryBudgetStore(),
    clock: { now: () => Date.now() },
    log,
  };
  const chat = parseChatRequest(JSON.stringify({ model: 'tier-3', messages: [{ role: 'user', content: 'Is it safe to take ibuprofen with warfarin?' }] }), policy.limits);
  const decision = decideRoute(chat, { tierHeader: undefined, routeHeader: route, callerId: 'key:abc0000000000000' }, policy);
  const context = { requestId: 'req-1', callerId: 'key:abc0000000000000', tier: decision.tier, route: decision.route, deadline: Date.now() + 10_000 };
  const run = async () => {
    const first = decision.chain[0]!;
    const completion = await providers.get(first.provider).complete({ ...attemptRequestOf(chat, decision), model: first, signal: AbortSignal.timeout(1000) } as CompletionCall);
    await ledger.record([{ requestId: 'req-1', attempt: 1, startedAt: new Date().toISOString(), callerId: context.callerId, tier: decision.tier, route: decision.route, provider: first.provider, model: first.id, usage: completion.usage, costNanoUsd: 0n, flagshipCostNanoUsd: 0n, latencyMs: 1, outcome: 'success', simulated: false, estimated: false }]);
    return verifyAndRetry(chat, attemptRequestOf(chat, decision), decision, { model: first, completion }, verificationFor(decision, policy)!, context, dependencies);
  };
  return { run, ledger, calls, logged, decision };
}

const verdict = (score: number) => JSON.stringify({ score, reason: 'checked' });

describe('the verifier\'s reply, read strictly', () => {
  it('passes at or above the pass score and fails below it', () => {
    expect(parseVerdict('{"score": 0.7, "reason": "fine"}', 0.7)).toEqual({ status: 'pass', score: 0.7 });
    expect(parseVerdict(' {"score":0.69} \n', 0.7)).toEqual({ status: 'fail', score: 0.69 });
    expect(parseVerdict('{"score": 0}', 0)).toEqual({ status: 'pass', score: 0 });
  });

  it('counts anything else as skipped, never as a pass', () => {
    for (const reply of ['Looks good!', '```json\n{"score": 1}\n```', '{"score": "0.9"}', '{"score": 1.5}', '{"verdict": "pass"}', '[0.9]', '{"score": null}', 'null', '']) {
      expect(parseVerdict(reply, 0.5).status).toBe('skipped');
    }
  });
});

describe('which requests are verified', () => {
  it('uses the tier\'s verification, a route\'s own, or none for a route that turns it off or a named model', () => {
    expect(verificationFor({ tier: 3, route: null }, policy)!.model.id).toBe('mock/verifier');
    expect(verificationFor({ tier: 3, route: null }, policy)!.rubric).toBe(DEFAULT_RUBRIC);
    expect(verificationFor({ tier: 2, route: null }, policy)).toBeUndefined();
    expect(verificationFor({ tier: 3, route: 'unchecked' }, policy)).toBeUndefined();
    expect(verificationFor({ tier: 3, route: 'strict' }, policy)!.onFail).toBe('error');
    expect(verificationFor({ tier: null, route: null }, policy)).toBeUndefined();
  });

  it('asks the verifier with the rubric and the output format, then the task and the answer', () => {
    const request = verifierRequest({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Q?' }] }, 'A.', { rubric: 'Check it.' });
    expect(request.messages[0]!.content).toMatch(/^Check it\.\n\nReply with one JSON object and nothing else/);
    expect(request.messages[1]!.content).toBe('<task>\nBe brief.\nQ?\n</task>\n\n<answer>\nA.\n</answer>');
    expect([request.temperature, request.maxTokens]).toEqual([0, 200]);
  });
});

describe('verifying an answer', () => {
  it('passes a good answer with one verifier call, recorded as verification and priced', async () => {
    const { run, ledger } = setUp({ 'mock/large': 'Avoid it: the bleeding risk rises.' }, () => verdict(0.95));
    const result = await run();
    expect([result.model.id, result.verification]).toEqual(['mock/large', { status: 'pass', score: 0.95 }]);
    const verifier = ledger.records.find((record) => record.purpose === 'verification')!;
    expect([verifier.attempt, verifier.model, verifier.outcome]).toEqual([2, 'mock/verifier', 'success']);
    expect(verifier.costNanoUsd).toBe(50n * 1000n + 10n * 2000n);
    expect(verifier.flagshipCostNanoUsd).toBe(0n);
  });

  it('on a failed check, asks the next candidate and keeps the answer that passes', async () => {
    const { run, ledger } = setUp({ 'mock/large': 'Sure, any dose is fine.', 'mock/medium': 'Avoid it: the bleeding risk rises.' }, (answer) =>
      verdict(answer.startsWith('Avoid') ? 0.9 : 0.1),
    );
    const result = await run();
    expect([result.model.id, result.verification.status, result.completion.content]).toEqual(['mock/medium', 'pass', 'Avoid it: the bleeding risk rises.']);
    expect(ledger.records.map((record) => [record.attempt, record.model, record.purpose ?? 'answer'])).toEqual([
      [1, 'mock/large', 'answer'],
      [2, 'mock/verifier', 'verification'],
      [3, 'mock/medium', 'answer'],
      [4, 'mock/verifier', 'verification'],
    ]);
  });

  it('keeps the best-scored answer, marked fail, when no candidate passes', async () => {
    const { run } = setUp({ 'mock/large': 'First.', 'mock/medium': 'Second.' }, (answer) => verdict(answer === 'First.' ? 0.4 : 0.2));
    const result = await run();
    expect([result.model.id, result.verification]).toEqual(['mock/large', { status: 'fail', score: 0.4 }]);
  });

  it('skips an unusable next candidate and goes on down the chain', async () => {
    const { run } = setUp({ 'mock/large': 'Bad.', 'mock/medium': 'unavailable' }, () => verdict(0.1));
    const result = await run();
    expect(result.verification.status).toBe('fail');
    expect(result.model.id).toBe('mock/large');
  });

  it('counts an unparseable reply as skipped, logs its length and never the text, and does not retry', async () => {
    const { run, ledger, logged } = setUp({ 'mock/large': 'An answer.' }, () => 'I think the answer about warfarin is great!');
    const result = await run();
    expect(result.verification).toEqual({ status: 'skipped', score: null, note: 'the verifier did not reply with JSON' });
    expect(ledger.records.filter((record) => record.purpose === 'verification')).toHaveLength(1);
    const entry = logged.find((line) => line.message.startsWith('verification skipped'))!;
    expect(entry.fields).toEqual({ requestId: 'req-1', verifier: 'mock/verifier', replyCharacters: 43 });
    expect(JSON.stringify(logged)).not.toMatch(/warfarin/);
  });

  it('skips when the verifier itself fails, with its failed attempt in the ledger', async () => {
    const { run, ledger } = setUp({ 'mock/large': 'An answer.' }, () => {
      throw new ProviderError('unavailable', 'down', { provider: 'mock', model: 'mock/verifier' });
    });
    const result = await run();
    expect(result.verification.status).toBe('skipped');
    expect(ledger.records.find((record) => record.purpose === 'verification')!.outcome).toBe('unavailable');
  });
});

describe('what verification costs', () => {
  it('adds about a hundredth to a tier-3 answer in the default policy, far below the planning figure of half again', () => {
    const shipped = defaultPolicy();
    const settings = shipped.verification[3]!;
    const primary = shipped.tiers[3][0]!;
    expect([primary.id, settings.model.id]).toEqual(['bedrock/global.anthropic.claude-opus-5-5', 'bedrock/global.anthropic.claude-haiku-5-5']);
    // The worked example's request: about 800 tokens, here 500 in and 300 out.
    const share = verificationShare(primary, settings, 500, 300);
    expect(share.toFixed(3)).toBe(EXPECTED_SHARE);
    expect(share).toBeLessThan(0.5);
  });
});

/** `verificationShare` on the default policy's prices (Opus 5.5 answering, Haiku 5.5 verifying): what the README quotes. */
const EXPECTED_SHARE = '0.013';
