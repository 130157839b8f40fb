/** Policies for tests, built from the same schema the product uses. */
import { readFileSync } from 'node:fs';
import type { Policy } from '../../lambda/policy/policy';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { DEFAULT_POLICY_FILE } from '../../lambda/policy/policy-file';

export function defaultPolicyDocument(): PolicyDocument {
  return JSON.parse(readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as PolicyDocument;
}

export function defaultPolicy(): Policy {
  return loadPolicy(defaultPolicyDocument(), 'default policy');
}

const SELF_HOSTED = { input: '1', output: '2', cacheRead: '0.5', source: 'test', asOf: '2026-01-01' } as const;

/**
 * Three models on the mock provider and one OpenAI-compatible host, with
 * round prices that make costs easy to check by hand.
 */
export function testPolicyDocument(overrides: Partial<PolicyDocument> = {}): PolicyDocument {
  return {
    version: 1,
    providers: { local: { kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' } },
    models: {
      'mock/small': { contextWindow: 1000, maxOutputTokens: 100, price: { ...SELF_HOSTED, input: '0.1', output: '0.2' } },
      'mock/medium': { contextWindow: 8000, maxOutputTokens: 1000, price: SELF_HOSTED },
      'mock/large': { contextWindow: 100_000, maxOutputTokens: 4000, price: { ...SELF_HOSTED, input: '10', output: '30' } },
      'local/remote': { contextWindow: 8000, maxOutputTokens: 1000, price: SELF_HOSTED },
    },
    tiers: { '0': ['mock/small', 'mock/medium'], '1': ['mock/medium', 'mock/large'], '2': ['mock/large'], '3': ['mock/large', 'mock/medium'] },
    flagship: 'mock/large',
    routes: { triage: { tier: 0 } },
    callers: { 'key:feedfacecafebeef': { defaultTier: 2 } },
    ...overrides,
  };
}

export function testPolicy(overrides: Partial<PolicyDocument> = {}): Policy {
  return loadPolicy(testPolicyDocument(overrides), 'test policy');
}

/** A model the mock answers as a verifier would, with `reply` (e.g. '{"score": 0.2, "reason": "wrong"}'). */
export function scriptedVerifier(reply: string) {
  return { contextWindow: 8000, maxOutputTokens: 500, price: { input: '1', output: '2', source: 'test', asOf: '2026-11-27' }, simulation: { reply } };
}
