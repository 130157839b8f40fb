import { claudeModelFor, parseClaudeName } from '../../../lambda/core/routing/claude-names';
import { decideRoute } from '../../../lambda/core/routing/decide-route';
import { testPolicy } from '../../support/policies';

const claude = (id: string) => [id, { contextWindow: 1_000_000, maxOutputTokens: 128_000, price: { input: '1', output: '2', source: 'test', asOf: '2026-12-01' } }] as const;
const policy = testPolicy({
  models: Object.fromEntries([
    claude('bedrock/global.anthropic.claude-opus-5-5-v1:0'),
    claude('bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0'),
    claude('bedrock/eu.anthropic.claude-sonnet-5-5-v1:0'),
    claude('bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0'),
    claude('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'),
    claude('mock/large'),
  ]),
  tiers: { '0': ['mock/large'], '1': ['mock/large'], '2': ['mock/large'], '3': ['mock/large'] },
  flagship: 'mock/large',
  aliases: { 'claude-sonnet-4-5': 'tier-2' },
});
const models = [...policy.models.values()];

describe('Claude model names', () => {
  it.each([
    ['claude-opus-5-5', { family: 'opus', version: [5, 5], date: undefined }],
    ['claude-sonnet-4-5-20250929', { family: 'sonnet', version: [4, 5], date: '20250929' }],
    ['claude-sonnet-4-20250514', { family: 'sonnet', version: [4], date: '20250514' }],
    ['claude-opus-4-1', { family: 'opus', version: [4, 1], date: undefined }],
    ['claude-3-5-haiku-20241022', { family: 'haiku', version: [3, 5], date: '20241022' }],
    ['claude-3-7-sonnet-latest', { family: 'sonnet', version: [3, 7], date: undefined }],
    ['claude-fable-5-2[1m]', { family: 'fable', version: [5, 2], date: undefined }],
    ['opus', { family: 'opus', version: [] }],
  ])('reads %s', (name, parsed) => {
    expect(parseClaudeName(name)).toEqual(parsed);
  });

  it.each(['gpt-5', 'claude', 'claude-', 'claude-opus', 'sonnet-5', 'auto'])('reads %s as no Claude name', (name) => {
    expect(parseClaudeName(name)).toBeUndefined();
  });

  it.each([
    ['claude-opus-5-5', 'bedrock/global.anthropic.claude-opus-5-5-v1:0'],
    ['claude-opus-4-5-20251101', 'bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0'],
    ['claude-opus-4-5', 'bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0'],
    ['opus', 'bedrock/global.anthropic.claude-opus-5-5-v1:0'],
    // A version the policy does not list: the family's newest, also for a version that does not exist yet.
    ['claude-opus-4-1-20250805', 'bedrock/global.anthropic.claude-opus-5-5-v1:0'],
    ['claude-opus-6-1', 'bedrock/global.anthropic.claude-opus-5-5-v1:0'],
    ['claude-sonnet-5-5', 'bedrock/eu.anthropic.claude-sonnet-5-5-v1:0'],
    ['claude-3-5-haiku-latest', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['haiku', 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0'],
  ])('maps %s to %s', (name, id) => {
    expect(claudeModelFor(name, models)?.id).toBe(id);
  });

  it('maps nothing for a family the policy has no model of', () => {
    expect(claudeModelFor('claude-fable-5-2', models)).toBeUndefined();
  });
});

describe('routing by a Claude name', () => {
  const route = (model: string) => decideRoute(chatRequest(model), { tierHeader: undefined, routeHeader: undefined, callerId: 'key:0000000000000000' }, policy);

  it('serves the named model and says why, while aliases, auto and tier-N still route', () => {
    expect(route('claude-opus-5-5')).toMatchObject({ tier: null, source: 'model', chain: [{ id: 'bedrock/global.anthropic.claude-opus-5-5-v1:0' }], reasons: ['model "claude-opus-5-5" is Claude opus 5.5: bedrock/global.anthropic.claude-opus-5-5-v1:0'] });
    expect(route('sonnet').reasons).toEqual(['model "sonnet": the newest Claude sonnet in the policy, bedrock/eu.anthropic.claude-sonnet-5-5-v1:0']);
    expect(route('claude-sonnet-4-5')).toMatchObject({ tier: 2, source: 'explicit' });
    expect(route('tier-1')).toMatchObject({ tier: 1, source: 'explicit' });
    expect(route('auto').source).toBe('classifier');
  });

  it('still refuses a Claude name of a family the policy has none of, naming the valid models', () => {
    expect(() => route('claude-fable-5-2')).toThrow(/The model "claude-fable-5-2" does not exist on this gateway/);
  });
});

function chatRequest(model: string) {
  return {
    model,
    messages: [{ role: 'user' as const, content: 'Say hello.' }],
    maxTokens: 100,
    temperature: undefined,
    topP: undefined,
    stop: undefined,
    metadata: {},
    stream: false,
    includeUsage: false,
    dropped: [],
    responseFormat: { type: 'text' as const },
    tools: [],
    toolChoice: undefined,
    parallelToolCalls: undefined,
  };
}
