import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatRequest } from '../../lambda/core/chat-request';
import { CallerError } from '../../lambda/core/errors';
import { decideRoute, describeDecision, type RoutingSignals } from '../../lambda/core/routing';
import { testPolicy } from '../support/policies';

const policy = testPolicy();
const request = (model: string, content = 'Write a haiku about rain.', metadata: Record<string, string> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content }],
  maxTokens: undefined,
  temperature: undefined,
  topP: undefined,
  stop: undefined,
  metadata,
});
const signals = (overrides: Partial<RoutingSignals> = {}): RoutingSignals => ({
  tierHeader: undefined,
  routeHeader: undefined,
  callerId: 'key:someone',
  ...overrides,
});

describe('decideRoute', () => {
  it('classifies "auto" requests and gives the tier chain', () => {
    const decision = decideRoute(request('auto', 'Extract the city: Rome.'), signals(), policy);
    assert.equal(decision.tier, 0);
    assert.equal(decision.source, 'classifier');
    assert.deepEqual(decision.chain.map((model) => model.id), ['mock/small', 'mock/medium']);
  });

  it('passes a named model through alone, without classifying', () => {
    const decision = decideRoute(request('mock/large', 'Extract the city: Rome.'), signals({ tierHeader: '0' }), policy);
    assert.equal(decision.tier, null);
    assert.equal(decision.source, 'model');
    assert.deepEqual(decision.chain.map((model) => model.id), ['mock/large']);
  });

  it('honours the signals strongest first: tier-N, header, metadata, route, caller, classifier', () => {
    const hard = 'Prove the theorem step by step.';
    assert.equal(decideRoute(request('tier-1', hard, { tier: '3' }), signals({ tierHeader: '0' }), policy).tier, 1);
    assert.equal(decideRoute(request('auto', hard, { tier: '3' }), signals({ tierHeader: '0', routeHeader: 'triage' }), policy).tier, 0);
    assert.equal(decideRoute(request('auto', hard, { tier: '3' }), signals({ routeHeader: 'triage' }), policy).tier, 3);
    const routed = decideRoute(request('auto', hard), signals({ routeHeader: 'triage', callerId: 'key:vip' }), policy);
    assert.deepEqual([routed.tier, routed.source, routed.route], [0, 'route', 'triage']);
    assert.equal(decideRoute(request('auto', 'Extract the city: Rome.'), signals({ callerId: 'key:vip' }), policy).tier, 2);
  });

  it('answers an unknown model with 404 listing every valid id', () => {
    assert.throws(
      () => decideRoute(request('gpt-17'), signals(), policy),
      (error: unknown) =>
        error instanceof CallerError &&
        error.status === 404 &&
        error.param === 'model' &&
        error.message.includes('auto, tier-0, tier-1, tier-2, tier-3, mock/small, mock/medium, mock/large, local/remote'),
    );
  });

  it('rejects a bad tier header and an unknown route, naming them', () => {
    assert.throws(() => decideRoute(request('auto'), signals({ tierHeader: '7' }), policy), /x-switchyard-tier header is "7"; it must be 0, 1, 2 or 3/);
    assert.throws(() => decideRoute(request('auto', 'x', { tier: 'high' }), signals(), policy), /metadata.tier is "high"/);
    assert.throws(() => decideRoute(request('auto'), signals({ routeHeader: 'nope' }), policy), /Configured routes: triage/);
    for (const inherited of ['toString', 'constructor', '__proto__']) {
      assert.throws(() => decideRoute(request('auto'), signals({ routeHeader: inherited }), policy), CallerError, inherited);
    }
    assert.equal(decideRoute(request('auto', 'Extract the city: Rome.'), signals({ callerId: 'constructor' }), policy).source, 'classifier');
  });

  it('uses the default output budget when the caller sets none', () => {
    assert.equal(decideRoute(request('auto'), signals(), policy).maxTokens, policy.limits.defaultMaxTokens);
  });
});

describe('describeDecision', () => {
  it('prices the worst case of each candidate: input estimate plus the output budget clamped to the model', () => {
    const decision = decideRoute({ ...request('tier-0', 'x'.repeat(400)), maxTokens: 500 }, signals(), policy);
    const described = describeDecision(decision);
    // 104 input tokens; mock/small clamps output to 100: 104 * 0.1 + 100 * 0.2 = 30.4 USD per million
    assert.equal(described.chain[0]!.estimated_max_cost_usd, '0.000030400');
    // mock/medium: 104 * 1 + 500 * 2 = 1104 USD per million
    assert.equal(described.chain[1]!.estimated_max_cost_usd, '0.001104000');
    assert.equal(described.estimated_max_cost_usd, '0.000030400');
    assert.equal(described.input_tokens_estimate, 104);
  });
});
