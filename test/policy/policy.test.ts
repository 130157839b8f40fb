import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../lambda/core/base/errors';
import { compilePrice, loadPolicy } from '../../lambda/policy/load-policy';
import { policySchema, TIERS, type PolicyDocument } from '../../lambda/policy/schema';
import { PRICE_TABLE } from '../../lambda/core/accounting/price-table';
import { policyJsonSchema } from '../../lambda/policy/policy-json-schema';
import { geographicPolicyText, geographyOf, whyNotOffered } from '../../lib/geography';
import { defaultPolicy, defaultPolicyDocument, testPolicy, testPolicyDocument } from '../support/policies';

function problemsOf(document: unknown): string {
  try {
    loadPolicy(document, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the policy was accepted');
}

describe('the default policy', () => {
  it('is valid and routes every tier', () => {
    const policy = defaultPolicy();
    for (const tier of TIERS) expect(policy.tiers[tier].length).toBeGreaterThan(0);
  });

  it('has a sourced, dated list price for every model it names', () => {
    const document = defaultPolicyDocument();
    for (const id of Object.keys(document.models)) {
      const row = document.models[id]!.price ?? PRICE_TABLE[id];
      expect(row).toBeDefined();
      expect(row!.source).toMatch(/^https:\/\//) /* `${id} price has no source URL` */;
      expect(row!.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('holds every row of the price table as exact nano-USD, output dearer than input except for embedding models, which write none', () => {
    for (const [id, row] of Object.entries(PRICE_TABLE)) {
      const price = compilePrice(row);
      expect(price.input).toBeGreaterThan(0n);
      if (/embed/.test(id)) expect(price.output).toBe(0n);
      else expect(price.output).toBeGreaterThanOrEqual(price.input);
    }
  });
});

describe('loadPolicy on capabilities', () => {
  it('refuses a capability it does not know, naming the ones it does', () => {
    const document = defaultPolicyDocument();
    document.models['bedrock/amazon.nova-lite-v1:0'] = { ...document.models['bedrock/amazon.nova-lite-v1:0']!, capabilities: ['audio' as never] };
    expect(problemsOf(document)).toMatch(/models\.bedrock\/amazon\.nova-lite-v1:0\.capabilities\[0\]: .*"json"\|"tools"\|"vision"/);
  });
});

describe('loadPolicy', () => {
  it('names a tier entry that is not a listed model', () => {
    const document = testPolicyDocument({ tiers: { '0': ['mock/small'], '1': ['mock/nope'], '2': ['mock/large'], '3': ['mock/large'] } });
    expect(problemsOf(document)).toMatch(/tiers\.1\[0\]: model "mock\/nope" is not listed under "models"/);
  });

  it('names a model without a price', () => {
    const document = testPolicyDocument();
    document.models['mock/unpriced'] = { contextWindow: 10, maxOutputTokens: 10 };
    expect(problemsOf(document)).toMatch(/models\.mock\/unpriced\.price: no list price/);
  });

  it('names a model whose provider is not defined', () => {
    const document = testPolicyDocument();
    document.models['nowhere/x'] = testPolicyDocument().models['mock/small']!;
    expect(problemsOf(document)).toMatch(/models\.nowhere\/x: provider "nowhere" is not defined/);
  });

  it('names unknown fields and wrong types', () => {
    const message = problemsOf({ ...testPolicyDocument(), limit: {}, version: 2 });
    expect(message).toMatch(/\(top level\): Unrecognized key: "limit"/);
    expect(message).toMatch(/version: Invalid input: expected 1/);
  });

  it('names an unknown flagship', () => {
    expect(problemsOf(testPolicyDocument({ flagship: 'mock/gone' }))).toMatch(/flagship: model "mock\/gone" is not listed/);
  });

  it('refuses a default output budget above the cap', () => {
    const document = testPolicyDocument({ limits: { maxTokens: 100, defaultMaxTokens: 200 } as PolicyDocument['limits'] });
    expect(problemsOf(document)).toMatch(/limits\.defaultMaxTokens: must not exceed limits\.maxTokens/);
  });

  it('refuses a classifier threshold that is not a probability, and thresholds on a route that fixes its tier', () => {
    expect(problemsOf(testPolicyDocument({ classifier: { thresholds: { tier_3: 1.5 } } } as Partial<PolicyDocument>))).toMatch(/classifier\.thresholds\.tier_3: Too big: expected number to be <=1/);
    expect(problemsOf(testPolicyDocument({ routes: { triage: { tier: 0, thresholds: { tier_3: 0.5 } } } }))).toMatch(
      /routes\.triage\.thresholds: thresholds apply only to a route without a tier: remove one of the two/,
    );
    expect(problemsOf(testPolicyDocument({ classifier: { model: 'neural' } } as unknown as Partial<PolicyDocument>))).toMatch(/classifier\.model: Invalid option: expected one of "trained"\|"rules"/);
  });

  it('keeps the trained thresholds unless the policy names its own', () => {
    expect(testPolicy().classifier).toEqual({ model: 'trained', thresholds: {} });
    expect(testPolicy({ classifier: { thresholds: { tier_2_or_more: 0.3 } } } as Partial<PolicyDocument>).classifier.thresholds).toEqual({ tier_2_or_more: 0.3 });
  });

  it('refuses a price that is not an exact decimal', () => {
    const document = testPolicyDocument();
    document.models['mock/small']!.price = { input: '0.1234567891', output: '1', source: 's', asOf: '2026-01-01' };
    expect(problemsOf(document)).toMatch(/models\.mock\/small\.price\.input: must be a USD amount/);
  });

  it('refuses a negative daily budget, saying what a budget amount looks like', () => {
    const message = problemsOf(testPolicyDocument({ budgets: { global: { dailyUsd: '-5' } } }));
    expect(message).toMatch(/budgets\.global\.dailyUsd: must be a USD amount per day written as a decimal string, e\.g\. "25"; it cannot be negative/);
    expect(message).not.toMatch(/per million tokens/);
  });

  it('refuses caller ids that no key or IAM principal can produce, naming the field and the valid forms', () => {
    const budget = { dailyUsd: '5' };
    const document = testPolicyDocument({
      budgets: { callers: { 'key:2BD806C97F0E00AF': budget, 'arn:aws:iam::123456789012:user/alice': budget } },
      callers: { 'key:vip': { defaultTier: 2 } },
      admins: ['admin', 'arn:aws:sts::123456789012:assumed-role/app/session', 'arn:aws:iam::123456789012:role/app'],
    });
    const message = problemsOf(document);
    const validForms = /"key:" and 16 lower-case hex digits .*, or an IAM role's or user's ARN, e\.g\. "arn:aws:iam::123456789012:role\/app" \(an assumed role's sessions count as the role\)/;
    for (const field of ['budgets.callers.key:2BD806C97F0E00AF', 'callers.key:vip', 'admins[0]', 'admins[1]']) {
      expect(message).toMatch(new RegExp(`\\n  ${field.replace(/[.[\]]/g, '\\$&')}: must be a caller id: ${validForms.source}`));
    }
    expect(message.split('\n').length).toBe(5) /* 'the user and role ARNs are accepted' */;
  });

  it('accepts caller ids as the authorizer and IAM mode make them', () => {
    const policy = loadPolicy(
      testPolicyDocument({
        budgets: { callers: { 'key:2bd806c97f0e00af': { dailyUsd: '5' } } },
        callers: { 'arn:aws-us-gov:iam::123456789012:user/alice': { defaultTier: 2 } },
        admins: ['arn:aws:iam::123456789012:role/app'],
      }),
    );
    expect(policy.budgets.callers.get('key:2bd806c97f0e00af')!.id).toBe('caller:key:2bd806c97f0e00af');
  });

  it('fills in limits and resolves provider model ids', () => {
    const policy = loadPolicy(testPolicyDocument());
    expect(policy.limits).toEqual({ maxBodyBytes: 5 * 1024 * 1024, maxMessages: 100_000, maxTokens: undefined, defaultMaxTokens: 4096 });
    expect(policy.models.get('local/remote')!.providerModelId).toBe('remote');
    expect(policy.providers['bedrock']!.kind).toBe('bedrock');
  });
});

describe('policy.schema.json', () => {
  it('is the JSON schema generated from the policy schema (run npm run schema after changing it)', () => {
    const file = join(__dirname, '..', '..', 'lambda', 'policy', 'policy.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(policyJsonSchema(policySchema));
  });
});

describe('the per-geography default policies', () => {
  const directory = join(__dirname, '..', '..', 'lambda', 'policy');
  const shipped = readFileSync(join(directory, 'default-policy.json'), 'utf8');

  for (const geography of ['us', 'eu', 'apac'] as const) {
    it(`default-policy.${geography}.json is current (npm run schema writes it) and loads, every model priced`, () => {
      const text = readFileSync(join(directory, `default-policy.${geography}.json`), 'utf8');
      expect(text).toBe(geographicPolicyText(shipped, geography));
      const policy = loadPolicy(JSON.parse(text), geography);
      const bedrockChat = [...policy.models.values()].filter((model) => model.provider === 'bedrock' && model.type === 'chat');
      for (const model of bedrockChat) expect(whyNotOffered(model.providerModelId, geography === 'us' ? 'us-west-2' : geography === 'eu' ? 'eu-west-1' : 'ap-southeast-1')).toBeUndefined();
    });
  }

  it('keeps EU prompts in the EU: no global profile in the EU default', () => {
    expect(readFileSync(join(directory, 'default-policy.eu.json'), 'utf8')).not.toContain('global.');
  });
});

describe('Bedrock geographies', () => {
  it('maps Regions to the geography of the profiles they may call', () => {
    expect(['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-2', 'ap-northeast-1', 'sa-east-1', 'us-gov-west-1'].map(geographyOf)).toEqual([
      'us', 'us', 'eu', 'eu', 'apac', undefined, undefined,
    ]);
  });

  it('knows on-demand Nova is in us-east-1 only, and that a profile serves its own geography', () => {
    expect(whyNotOffered('amazon.nova-micro-v1:0', 'us-east-1')).toBeUndefined();
    expect(whyNotOffered('amazon.nova-micro-v1:0', 'us-west-2')).toContain('(us.amazon.nova-micro-v1:0)');
    expect(whyNotOffered('eu.amazon.nova-micro-v1:0', 'eu-west-3')).toBeUndefined();
    expect(whyNotOffered('apac.amazon.nova-micro-v1:0', 'eu-west-3')).toContain('only from Asia Pacific Regions');
    expect(whyNotOffered('global.anthropic.claude-opus-4-5-20251101-v1:0', 'ap-south-1')).toBeUndefined();
    expect(whyNotOffered('amazon.titan-embed-text-v2:0', 'eu-west-1')).toBeUndefined();
  });
});
