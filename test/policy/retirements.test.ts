import { knownRetirement, retiredModelWarnings } from '../../lambda/policy/retirements';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { utcDay } from '../../lambda/core/base/utc-day';
import { defaultPolicy, testPolicyDocument } from '../support/policies';

describe('model retirements', () => {
  it('knows a Bedrock model\'s end of life under every inference profile of it', () => {
    for (const id of ['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0', 'bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0', 'bedrock/apac.anthropic.claude-3-5-haiku-20241022-v1:0']) {
      expect(knownRetirement(id)).toEqual({ retiresOn: '2026-06-19', source: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//) });
    }
    expect(knownRetirement('bedrock/global.anthropic.claude-opus-5-5')).toBeUndefined();
    expect(knownRetirement('openai/anthropic.claude-3-5-haiku-20241022-v1:0')).toBeUndefined();
  });

  it('warns from the retirement day on, and a policy\'s own date wins over the table', () => {
    const document = testPolicyDocument();
    const policy = loadPolicy({
      ...document,
      models: {
        ...document.models,
        'bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0': { contextWindow: 200_000, maxOutputTokens: 8192, price: { input: '0.8', output: '4', source: 'test', asOf: '2026-01-01' } },
        'mock/medium': { ...document.models['mock/medium']!, retiresOn: '2027-03-01' },
      },
    });
    expect(retiredModelWarnings(policy.models.values(), '2026-06-18')).toEqual([]);
    expect(retiredModelWarnings(policy.models.values(), '2026-06-19')).toEqual([
      expect.stringMatching(/^bedrock\/us\.anthropic\.claude-3-5-haiku-20241022-v1:0 was retired on 2026-06-19 \(https:\/\/docs\.aws\.amazon\.com\/.*\): calls to it fail; name a current model in the policy instead\.$/),
    ]);
    expect(retiredModelWarnings(policy.models.values(), '2027-03-01')).toEqual([
      'mock/medium was retired on 2027-03-01 (the policy): calls to it fail; name a current model in the policy instead.',
      expect.stringContaining('bedrock/us.anthropic'),
    ]);
  });

  it('finds no retired model in the shipped default policy today', () => {
    expect(retiredModelWarnings(defaultPolicy().models.values(), utcDay(Date.now()))).toEqual([]);
  });
});
