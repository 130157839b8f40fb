/**
 * End to end, in local mode: the tier-3 verification pass through the local
 * gateway and the official openai client, with the mock provider scripted to
 * answer as a verifier each way (pass, fail, unparseable).
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { useLocalOpenAi } from '../support/local-openai';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { attemptRows } from '../support/ledger-rows';
import { scriptedVerifier, testPolicyDocument } from '../support/policies';

const KEY = 'verify-key';
const CALLER = `key:${createHash('sha256').update(KEY).digest('hex').slice(0, 16)}`;

function policyDocument(): PolicyDocument {
  const base = testPolicyDocument();
  return {
    ...base,
    models: {
      ...base.models,
      'mock/verifier-pass': scriptedVerifier('{"score": 0.92, "reason": "correct and safe"}'),
      'mock/verifier-fail': scriptedVerifier('{"score": 0.2, "reason": "the dose is wrong"}'),
      'mock/verifier-garbled': scriptedVerifier('Looks right to me!'),
    },
    verification: { '3': { model: 'mock/verifier-pass' } },
    routes: {
      checked: { tier: 3 },
      warned: { tier: 3, verification: { model: 'mock/verifier-fail', onFail: 'warn' } },
      refused: { tier: 3, verification: { model: 'mock/verifier-fail', onFail: 'error' } },
      retried: { tier: 3, verification: { model: 'mock/verifier-fail', onFail: 'retry-next' } },
      garbled: { tier: 3, verification: { model: 'mock/verifier-garbled' } },
      unchecked: { tier: 3, verification: false },
    },
    admins: [CALLER],
  };
}

describe('tier-3 verification in local mode, through the openai client', () => {
  const local = useLocalOpenAi(policyDocument(), KEY);

  const ask = (route: string) =>
    local.client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'Is ibuprofen safe with warfarin?' }] }, { headers: { 'x-switchyard-route': route } })
      .withResponse();

  it('passes a checked answer, says so in headers, and records the verifier as a priced verification attempt', async () => {
    const { data, response } = await ask('checked');
    expect(response.headers.get('x-switchyard-verified')).toBe('pass');
    expect(response.headers.get('x-switchyard-verifier-score')).toBe('0.92');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(data.model).toBe('mock/large');
    const rows = await attemptRows(local.gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['purpose']?.S ?? 'answer'])).toEqual([
      ['mock/large', 'answer'],
      ['mock/verifier-pass', 'verification'],
    ]);
    const verifierCost = BigInt(rows[1]!['costNanoUsd']!.N!);
    expect(verifierCost > 0n).toBe(true);
    expect(rows[1]!['flagshipCostNanoUsd']!.N).toBe('0');
    // The cost header is every call's, the verifier's included.
    const total = rows.reduce((sum, row) => sum + BigInt(row['costNanoUsd']!.N!), 0n);
    expect(response.headers.get('x-switchyard-cost-usd')).toBe(`0.${total.toString().padStart(9, '0')}`);
  });

  it('answers with x-switchyard-verified: fail when the policy says warn', async () => {
    const { data, response } = await ask('warned');
    expect([response.status, response.headers.get('x-switchyard-verified'), response.headers.get('x-switchyard-verifier-score')]).toEqual([200, 'fail', '0.2']);
    expect(data.choices[0]!.message.content).toMatch(/simulated/);
  });

  it('refuses with a 502 that says verification failed when the policy says error, the calls still recorded', async () => {
    const failure = await ask('refused').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    const error = failure as InstanceType<typeof OpenAI.APIError>;
    expect([error.status, error.code]).toEqual([502, 'verification_failed']);
    expect(error.message).toMatch(/failed verification: the verifier scored it 0\.2, below the pass score 0\.7/);
    const rows = await attemptRows(local.gateway, error.headers!.get('x-switchyard-request-id')!);
    expect(rows.map((row) => row['purpose']?.S ?? 'answer')).toEqual(['answer', 'verification']);
  });

  it('with retry-next, asks the next candidate and verifies it too, then keeps the best answer marked fail', async () => {
    const { response } = await ask('retried');
    expect(response.headers.get('x-switchyard-verified')).toBe('fail');
    const rows = await attemptRows(local.gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => [row['model']!.S, row['purpose']?.S ?? 'answer'])).toEqual([
      ['mock/large', 'answer'],
      ['mock/verifier-fail', 'verification'],
      ['mock/medium', 'answer'],
      ['mock/verifier-fail', 'verification'],
    ]);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('counts an unparseable verifier reply as skipped, never as a pass', async () => {
    const { response } = await ask('garbled');
    expect(response.headers.get('x-switchyard-verified')).toBe('skipped');
    expect(response.headers.get('x-switchyard-verifier-score')).toBeNull();
  });

  it('does not verify a route that turns it off, nor a lower tier', async () => {
    const { response } = await ask('unchecked');
    expect(response.headers.get('x-switchyard-verified')).toBeNull();
    const { response: lower } = await local.client.chat.completions
      .create({ model: 'tier-2', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(lower.headers.get('x-switchyard-verified')).toBeNull();
  });

  it('verifies a stream after its end and reports the verdict in the last chunk before [DONE]', async () => {
    const { data: stream, response } = await local.client.chat.completions
      .create({ model: 'tier-3', stream: true, messages: [{ role: 'user', content: 'Is ibuprofen safe with warfarin?' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-verified')).toBe('pending');
    const chunks: Record<string, unknown>[] = [];
    let text = '';
    for await (const chunk of stream) {
      chunks.push(chunk as unknown as Record<string, unknown>);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toMatch(/simulated/);
    expect(chunks.at(-1)).toMatchObject({ object: 'chat.completion.chunk', choices: [], switchyard_verification: { status: 'pass', score: 0.92 } });
    const rows = await attemptRows(local.gateway, response.headers.get('x-switchyard-request-id')!);
    expect(rows.map((row) => row['purpose']?.S ?? 'answer')).toEqual(['answer', 'verification']);
  });

  it('reports verification spend apart in /v1/usage', async () => {
    await local.gateway.aggregates.flush();
    const response = await fetch(`${local.gateway.baseUrl}/usage`, { headers: { authorization: `Bearer ${KEY}` } });
    const body = (await response.json()) as { by_purpose: { key: string; cost_usd: string; attempts: string }[]; total: { cost_usd: string } };
    const verification = body.by_purpose.find((line) => line.key === 'verification')!;
    // Seven verifier calls so far: checked, warned, refused, retried (2), garbled, the stream.
    expect(verification.attempts).toBe('7');
    expect(Number(verification.cost_usd)).toBeGreaterThan(0);
    expect(Number(verification.cost_usd)).toBeLessThan(Number(body.total.cost_usd));
  });
});
