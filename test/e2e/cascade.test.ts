/**
 * End to end, in local mode: the cascade (`verification.<tier>.onFail:
 * "escalate"`) through the local gateway and the official openai client. The
 * cheap tier answers first; a verifier scripted to fail sends the request to
 * the next tier's chain, and every call is in the ledger once.
 */
import OpenAI from 'openai';
import { useLocalOpenAi } from '../support/local-openai';
import { ConfigError } from '../../lambda/core/base/errors';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { PolicyDocument } from '../../lambda/policy/schema';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { attemptRows } from '../support/ledger-rows';
import { scriptedVerifier, testPolicyDocument } from '../support/policies';

const KEY = 'cascade-key';

function policyDocument(): PolicyDocument {
  const base = testPolicyDocument();
  return {
    ...base,
    models: {
      ...base.models,
      'mock/verifier-pass': scriptedVerifier('{"score": 0.9, "reason": "complete"}'),
      'mock/verifier-fail': scriptedVerifier('{"score": 0.3, "reason": "misses the second part"}'),
    },
    // Tier 0 (mock/small first) passes its check; tier 1 (mock/medium first) fails it and escalates to tier 2 (mock/large).
    verification: { '0': { model: 'mock/verifier-pass', onFail: 'escalate' }, '1': { model: 'mock/verifier-fail', onFail: 'escalate' } },
  };
}

const rowsOf = async (gateway: LocalGateway, response: Response) =>
  (await attemptRows(gateway, response.headers.get('x-switchyard-request-id')!)).map((row) => [row['model']!.S, row['purpose']?.S ?? 'answer']);

describe('the cascade in local mode, through the openai client', () => {
  const local = useLocalOpenAi(policyDocument(), KEY);

  const ask = (model: string, stream = false) =>
    local.client.chat.completions.create({ model, stream, messages: [{ role: 'user', content: 'Summarise the plot of Hamlet in two sentences.' }] }).withResponse();

  it('answers from the next tier when the cheap answer fails its check, says so, and records the three calls once each', async () => {
    const { data, response } = await ask('tier-1');
    expect([response.headers.get('x-switchyard-escalated'), response.headers.get('x-switchyard-verified'), response.headers.get('x-switchyard-verifier-score')]).toEqual([
      'true',
      'fail',
      '0.3',
    ]);
    expect(response.headers.get('x-switchyard-model')).toBe('mock/large');
    expect((data as OpenAI.ChatCompletion).model).toBe('mock/large');
    expect(await rowsOf(local.gateway, response)).toEqual([
      ['mock/medium', 'answer'],
      ['mock/verifier-fail', 'verification'],
      ['mock/large', 'answer'],
    ]);
    // The caller pays for the cheap answer, the check and the strong answer: the cost header is all three.
    const rows = await attemptRows(local.gateway, response.headers.get('x-switchyard-request-id')!);
    const total = rows.reduce((sum, row) => sum + BigInt(row['costNanoUsd']!.N!), 0n);
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(`0.${total.toString().padStart(9, '0')}`);
  });

  it('keeps the cheap answer when it passes its check', async () => {
    const { response } = await ask('tier-0');
    expect([response.headers.get('x-switchyard-escalated'), response.headers.get('x-switchyard-verified'), response.headers.get('x-switchyard-model')]).toEqual([
      null,
      'pass',
      'mock/small',
    ]);
    expect(await rowsOf(local.gateway, response)).toEqual([
      ['mock/small', 'answer'],
      ['mock/verifier-pass', 'verification'],
    ]);
  });

  it('does not escalate a stream, whose text has already gone out: the verdict is reported', async () => {
    const { data: stream, response } = await ask('tier-1', true);
    for await (const chunk of stream as AsyncIterable<unknown>) void chunk;
    expect(response.headers.get('x-switchyard-model')).toBe('mock/medium');
    expect(await rowsOf(local.gateway, response)).toEqual([
      ['mock/medium', 'answer'],
      ['mock/verifier-fail', 'verification'],
    ]);
  });
});

describe('the cascade in the policy', () => {
  it('refuses "escalate" on tier 3, which has no tier above, and on a route', () => {
    const tierThree = { ...testPolicyDocument(), verification: { '3': { model: 'mock/small', onFail: 'escalate' as const } } };
    expect(() => loadPolicy(tierThree)).toThrow(ConfigError);
    expect(() => loadPolicy(tierThree)).toThrow(/verification\.3\.onFail.*tier 3 has none/);
    const route = { ...testPolicyDocument(), routes: { checked: { tier: 1 as const, verification: { model: 'mock/small', onFail: 'escalate' as const } } } };
    expect(() => loadPolicy(route)).toThrow(/routes\.checked\.verification\.onFail.*set it on the tier's verification/);
  });
});
