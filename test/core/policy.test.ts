import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lambda/core/errors';
import { compilePrice, loadPolicy, policySchema, TIERS, type PolicyDocument } from '../../lambda/core/policy';
import { PRICE_TABLE } from '../../lambda/core/price-table';
import { policyJsonSchema } from '../../lib/policy-json-schema';
import { defaultPolicy, defaultPolicyDocument, testPolicyDocument } from '../support/policies';

function problemsOf(document: unknown): string {
  try {
    loadPolicy(document, 'test');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('the policy was accepted');
}

describe('the default policy', () => {
  it('is valid and routes every tier', () => {
    const policy = defaultPolicy();
    for (const tier of TIERS) assert.ok(policy.tiers[tier].length > 0);
  });

  it('has a sourced, dated list price for every model it names', () => {
    const document = defaultPolicyDocument();
    for (const id of Object.keys(document.models)) {
      const row = document.models[id]!.price ?? PRICE_TABLE[id];
      assert.ok(row, `${id} has no price`);
      assert.match(row.source, /^https:\/\//, `${id} price has no source URL`);
      assert.match(row.asOf, /^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('holds every row of the price table as exact nano-USD', () => {
    for (const [id, row] of Object.entries(PRICE_TABLE)) {
      const price = compilePrice(row);
      assert.ok(price.input > 0n && price.output >= price.input, `${id}: output should cost at least input`);
    }
  });
});

describe('loadPolicy', () => {
  it('names a tier entry that is not a listed model', () => {
    const document = testPolicyDocument({ tiers: { '0': ['mock/small'], '1': ['mock/nope'], '2': ['mock/large'], '3': ['mock/large'] } });
    assert.match(problemsOf(document), /tiers\.1\[0\]: model "mock\/nope" is not listed under "models"/);
  });

  it('names a model without a price', () => {
    const document = testPolicyDocument();
    document.models['mock/unpriced'] = { contextWindow: 10, maxOutputTokens: 10 };
    assert.match(problemsOf(document), /models\.mock\/unpriced\.price: no list price/);
  });

  it('names a model whose provider is not defined', () => {
    const document = testPolicyDocument();
    document.models['nowhere/x'] = testPolicyDocument().models['mock/small']!;
    assert.match(problemsOf(document), /models\.nowhere\/x: provider "nowhere" is not defined/);
  });

  it('names unknown fields and wrong types', () => {
    const message = problemsOf({ ...testPolicyDocument(), limit: {}, version: 2 });
    assert.match(message, /\(top level\): Unrecognized key: "limit"/);
    assert.match(message, /version: Invalid input: expected 1/);
  });

  it('names an unknown flagship', () => {
    assert.match(problemsOf(testPolicyDocument({ flagship: 'mock/gone' })), /flagship: model "mock\/gone" is not listed/);
  });

  it('refuses a default output budget above the cap', () => {
    const document = testPolicyDocument({ limits: { maxTokens: 100, defaultMaxTokens: 200 } as PolicyDocument['limits'] });
    assert.match(problemsOf(document), /limits\.defaultMaxTokens: must not exceed limits\.maxTokens/);
  });

  it('refuses a price that is not an exact decimal', () => {
    const document = testPolicyDocument();
    document.models['mock/small']!.price = { input: '0.1234567891', output: '1', source: 's', asOf: '2026-01-01' };
    assert.match(problemsOf(document), /models\.mock\/small\.price\.input: must be a USD amount/);
  });

  it('fills in limits and resolves provider model ids', () => {
    const policy = loadPolicy(testPolicyDocument());
    assert.equal(policy.limits.maxBodyBytes, 1024 * 1024);
    assert.equal(policy.models.get('local/remote')!.providerModelId, 'remote');
    assert.equal(policy.providers['bedrock']!.kind, 'bedrock');
  });
});

describe('policy.schema.json', () => {
  it('is the JSON schema generated from the policy schema (run npm run schema after changing it)', () => {
    const file = join(__dirname, '..', '..', 'lambda', 'policy', 'policy.schema.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), policyJsonSchema(policySchema));
  });
});
