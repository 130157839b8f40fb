import { worstCaseAttemptCost, formatUsd } from '../../../lambda/core/accounting/money';
import { maxInputTokens } from '../../../lambda/core/routing/token-estimate';
import type { ChatRequest } from '../../../lambda/core/model/chat-request';
import { CallerError } from '../../../lambda/core/base/errors';
import { parseChatRequest } from '../../../lambda/core/surfaces/openai-chat/parse-request';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import { decideRoute, describeDecision, fitCapabilities, resolveAlias, type RoutingSignals } from '../../../lambda/core/routing/decide-route';
import { classifyTrained } from '../../../lambda/core/routing/trained-classifier';
import { defaultPolicy, defaultPolicyDocument, testPolicy } from '../../support/policies';

const policy = testPolicy();
const request = (model: string, content = 'Write a haiku about rain.', metadata: Record<string, string> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content }],
  maxTokens: undefined,
  temperature: undefined,
  topP: undefined,
  stop: undefined,
  metadata,
  stream: false,
  includeUsage: false,
  dropped: [],
  responseFormat: { type: 'text' },
  tools: [],
  toolChoice: undefined,
  parallelToolCalls: undefined,
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
    expect(decision.tier).toBe(0);
    expect(decision.source).toBe('classifier');
    expect(decision.chain.map((model) => model.id)).toEqual(['mock/small', 'mock/medium']);
  });

  it('passes a named model through alone, without classifying', () => {
    const decision = decideRoute(request('mock/large', 'Extract the city: Rome.'), signals({ tierHeader: '0' }), policy);
    expect(decision.tier).toBe(null);
    expect(decision.source).toBe('model');
    expect(decision.chain.map((model) => model.id)).toEqual(['mock/large']);
  });

  it('honours the signals strongest first: tier-N, header, metadata, route, caller, classifier', () => {
    const hard = 'Prove the theorem step by step.';
    expect(decideRoute(request('tier-1', hard, { tier: '3' }), signals({ tierHeader: '0' }), policy).tier).toBe(1);
    expect(decideRoute(request('auto', hard, { tier: '3' }), signals({ tierHeader: '0', routeHeader: 'triage' }), policy).tier).toBe(0);
    expect(decideRoute(request('auto', hard, { tier: '3' }), signals({ routeHeader: 'triage' }), policy).tier).toBe(3);
    const routed = decideRoute(request('auto', hard), signals({ routeHeader: 'triage', callerId: 'key:feedfacecafebeef' }), policy);
    expect([routed.tier, routed.source, routed.route]).toEqual([0, 'route', 'triage']);
    expect(decideRoute(request('auto', 'Extract the city: Rome.'), signals({ callerId: 'key:feedfacecafebeef' }), policy).tier).toBe(2);
  });

  it('gives the classifier\'s scores only when the classifier decided', () => {
    const classified = decideRoute(request('auto', 'Extract the city: Rome.'), signals(), policy);
    expect(classified.scores).toEqual(classifyTrained({ messages: [{ role: 'user', content: 'Extract the city: Rome.' }], maxTokens: undefined, toolCount: 0 }).scores);
    expect(describeDecision(classified).scores).toBe(classified.scores);
    expect(decideRoute(request('auto', 'Extract the city: Rome.'), signals({ tierHeader: '2' }), policy).scores).toBeNull();
    expect(describeDecision(decideRoute(request('mock/large'), signals(), policy)).scores).toBeNull();
  });

  it('moves the tier with the policy\'s thresholds, and a route without a tier classifies with its own', () => {
    const medical = 'My father takes warfarin. Is it safe for him to take ibuprofen for his back pain?';
    const { scores } = decideRoute(request('auto', medical), signals(), policy);
    expect(decideRoute(request('auto', medical), signals(), policy).tier).toBe(3);
    const strict = testPolicy({ classifier: { thresholds: { tier_3: Math.min(1, scores!.tier_3 + 0.01) } } });
    expect(decideRoute(request('auto', medical), signals(), strict).tier).toBeLessThan(3);
    const routed = testPolicy({ routes: { careful: { thresholds: { tier_3: Math.min(1, scores!.tier_3 + 0.01), tier_2_or_more: 0, tier_1_or_more: 0 } } } });
    const decision = decideRoute(request('auto', medical), signals({ routeHeader: 'careful' }), routed);
    expect([decision.tier, decision.source, decision.route, decision.reasons[0]]).toEqual([2, 'classifier', 'careful', 'route "careful" classifies']);
    expect(decideRoute(request('auto', medical), signals(), routed).tier).toBe(3);
  });

  it('routes by v0\'s rules alone, with no scores, when the policy asks for them', () => {
    const rules = testPolicy({ classifier: { model: 'rules' } });
    const decision = decideRoute(request('auto', 'Extract the city: I flew to Lisbon.'), signals(), rules);
    expect([decision.tier, decision.scores, decision.reasons]).toEqual([0, null, ['trivial task ("Extract")']]);
  });

  it('answers an unknown model with 404 listing every valid id', () => {
    expect(() => decideRoute(request('gpt-17'), signals(), policy)).toThrow(
      expect.objectContaining({
        constructor: CallerError,
        status: 404,
        param: 'model',
        message: expect.stringContaining('auto, tier-0, tier-1, tier-2, tier-3, mock/small, mock/medium, mock/large, local/remote'),
      }),
    );
  });

  it('rejects a bad tier header and an unknown route, naming them', () => {
    expect(() => decideRoute(request('auto'), signals({ tierHeader: '7' }), policy)).toThrow(/x-switchyard-tier header is "7"; it must be 0, 1, 2 or 3/);
    expect(() => decideRoute(request('auto', 'x', { tier: 'high' }), signals(), policy)).toThrow(/metadata.tier is "high"/);
    expect(() => decideRoute(request('auto'), signals({ routeHeader: 'nope' }), policy)).toThrow(/Configured routes: triage/);
    for (const inherited of ['toString', 'constructor', '__proto__']) {
      expect(() => decideRoute(request('auto'), signals({ routeHeader: inherited }), policy)).toThrow(CallerError) /* inherited */;
    }
    expect(decideRoute(request('auto', 'Extract the city: Rome.'), signals({ callerId: 'constructor' }), policy).source).toBe('classifier');
  });

  it('uses the default output budget when the caller sets none', () => {
    expect(decideRoute(request('auto'), signals(), policy).maxTokens).toBe(policy.limits.defaultMaxTokens);
  });
});

describe('decideRoute on an absurd model name', () => {
  it('quotes only the start of it', () => {
    const error = (() => {
      try {
        decideRoute(request('m'.repeat(900_000)), signals(), policy);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('the model was accepted');
    })();
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toMatch(/^The model "m{64}\.\.\. \(900000 characters\)" does not exist on this gateway\./);
  });
});

describe('describeDecision', () => {
  it('prices the worst case of each candidate as a block budget reserves it: the input bound at the dearest input price plus the clamped output budget', () => {
    const decision = decideRoute({ ...request('tier-0', 'x'.repeat(400)), maxTokens: 500 }, signals(), policy);
    const described = describeDecision(decision);
    // 408 input tokens at most; mock/small's dearest input is its $0.5 cache read, output clamps to 100: 408 * 0.5 + 100 * 0.2 = 224 USD per million
    expect(described.chain[0]!.estimated_max_cost_usd).toBe('0.000224000');
    // mock/medium: 408 * 1 + 500 * 2 = 1408 USD per million
    expect(described.chain[1]!.estimated_max_cost_usd).toBe('0.001408000');
    expect(described.estimated_max_cost_usd).toBe('0.000224000');
    expect(described.estimated_max_cost_usd).toBe(formatUsd(worstCaseAttemptCost(decision.chain[0]!, maxInputTokens(decision.chain.length ? [{ content: 'x'.repeat(400) }] : []), 500)));
    expect([described.input_tokens_estimate, described.input_tokens_bound]).toEqual([104, 408]);
  });
});

describe('fitCapabilities with the default policy', () => {
  const defaults = defaultPolicy();
  const signalsOf: RoutingSignals = { tierHeader: undefined, routeHeader: undefined, callerId: 'key:0123456789abcdef' };
  const fitted = (body: Record<string, unknown>) => {
    const chat = parseChatRequest(JSON.stringify(body), defaults.limits);
    return fitCapabilities(decideRoute(chat, signalsOf, defaults), chat);
  };
  const image = (url: string) => [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }];
  const PNG = 'data:image/png;base64,iVBORw0KGgo=';

  it('skips the text-only model of tier 0 for an image, and says so', () => {
    const decision = fitted({ model: 'tier-0', messages: image(PNG) });
    expect(decision.chain.map((model) => model.id)).toEqual(['bedrock/amazon.nova-lite-v1:0']);
    expect(decision.reasons).toContain('skipped without the "vision" capability: bedrock/amazon.nova-micro-v1:0');
  });

  it('refuses an image by URL where every candidate is on Bedrock, which takes image bytes only, saying to send a data URL', () => {
    expect(() => fitted({ model: 'tier-1', messages: image('https://example.com/cat.jpg') })).toThrow(
      expect.objectContaining({ param: 'messages[0].content[1].image_url.url', message: expect.stringMatching(/send the image as a base64 data URL/) }),
    );
    expect(fitted({ model: 'openai/gpt-5-mini', messages: image('https://example.com/cat.jpg') }).chain.map((model) => model.id)).toEqual(['openai/gpt-5-mini']);
  });

  it('needs tools for a conversation that used them even when this turn offers none', () => {
    const history = [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ];
    const narrow = loadPolicy({ ...defaultPolicyDocument(), models: { ...defaultPolicyDocument().models, 'bedrock/amazon.nova-micro-v1:0': { contextWindow: 128000, maxOutputTokens: 5000 } } });
    const chat = parseChatRequest(JSON.stringify({ model: 'tier-0', messages: history }), narrow.limits);
    const decision = fitCapabilities(decideRoute(chat, signalsOf, narrow), chat);
    expect(decision.chain.map((model) => model.id)).toEqual(['bedrock/amazon.nova-lite-v1:0']);
    expect(decision.reasons.at(-1)).toBe('skipped without the "tools" capability: bedrock/amazon.nova-micro-v1:0');
  });
});

describe('resolveAlias and aliases in routing', () => {
  const aliased = testPolicy({ aliases: { 'claude-haiku-4-5': 'mock/small', 'claude-*': 'auto', 'claude-opus-*': 'tier-3' } });

  it('maps an exact name first, then the longest family pattern, else leaves the name', () => {
    expect(resolveAlias('claude-haiku-4-5', aliased)).toBe('mock/small');
    expect(resolveAlias('claude-opus-4-5-20251101', aliased)).toBe('tier-3');
    expect(resolveAlias('claude-3-5-haiku-20241022', aliased)).toBe('auto');
    expect(resolveAlias('gpt-4o', aliased)).toBe('gpt-4o');
  });

  it('routes an alias like its target and says which alias it was', () => {
    const named = decideRoute(request('claude-haiku-4-5'), signals(), aliased);
    expect([named.chain.map((model) => model.id), named.reasons]).toEqual([['mock/small'], ['model "claude-haiku-4-5" is an alias of mock/small']]);
    const tier = decideRoute(request('claude-opus-4-1'), signals(), aliased);
    expect([tier.tier, tier.reasons]).toEqual([3, ['model "tier-3" requested (alias "claude-opus-4-1")']]);
    expect(decideRoute(request('claude-3-haiku'), signals(), aliased).source).toBe('classifier');
  });

  it('refuses an alias to something that is neither a model nor a virtual one', () => {
    expect(() => testPolicy({ aliases: { 'claude-x': 'mock/nope' } })).toThrow(/aliases\.claude-x: "mock\/nope" is neither a model listed under "models" nor one of auto/);
  });

  it('marks the prompt for caching when the caller asked, even for a model named by id', () => {
    expect(decideRoute({ ...request('mock/small'), cachePrompt: true }, signals(), policy).cachePrompt).toBe(true);
    expect(decideRoute(request('mock/small'), signals(), policy).cachePrompt).toBe(false);
  });
});

describe('route aliases', () => {
  const routed = testPolicy({
    aliases: { 'claude-haiku-4-5': 'mock/small' },
    routes: { agents: { tier: 2, aliases: { 'claude-*': 'tier-1' } }, plain: { tier: 0 } },
  });

  it("looks up the route's aliases before the policy's, so a route can send a whole family elsewhere", () => {
    const onRoute = decideRoute(request('claude-haiku-4-5'), signals({ routeHeader: 'agents' }), routed);
    expect([onRoute.tier, onRoute.reasons]).toEqual([1, ['model "tier-1" requested (alias "claude-haiku-4-5")']]);
    const elsewhere = decideRoute(request('claude-haiku-4-5'), signals({ routeHeader: 'plain' }), routed);
    expect(elsewhere.chain.map((model) => model.id)).toEqual(['mock/small']);
  });

  it('refuses a route alias to something that is neither a model nor a virtual one', () => {
    expect(() => testPolicy({ routes: { agents: { tier: 2, aliases: { 'claude-*': 'mock/nope' } } } })).toThrow(/routes\.agents\.aliases\.claude-\*: "mock\/nope" is neither/);
  });
});
