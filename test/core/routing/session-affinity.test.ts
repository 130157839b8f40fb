import { createMemorySessionStore, sessionOf, withAffinity } from '../../../lambda/core/routing/session-affinity';
import { decideRoute } from '../../../lambda/core/routing/decide-route';
import { createDynamoSessionStore } from '../../../lambda/adapters/dynamodb-session-store';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../../lambda/local/dynalite';
import { gatewayHarness } from '../../support/gateway-harness';
import { testPolicy } from '../../support/policies';

const policy = testPolicy();
const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra });
const HARD = 'Prove that there are infinitely many primes, then implement a Python function that lists the first n primes with a sieve.';

describe('which session a request belongs to', () => {
  const none = { promptCacheKey: undefined, anthropicBody: undefined };
  it('reads the Switchyard header first, then the clients\' own session keys', () => {
    expect(sessionOf(none, { 'x-switchyard-session': 's1', 'session-id': 'other' }, 'key:a')?.from).toBe('x-switchyard-session header');
    expect(sessionOf(none, { 'x-claude-code-session-id': 'c1' }, 'key:a')?.from).toBe('x-claude-code-session-id header');
    expect(sessionOf(none, { 'session-id': 'x1' }, 'key:a')?.from).toBe('session-id header');
    expect(sessionOf({ ...none, promptCacheKey: 'p1' }, {}, 'key:a')?.from).toBe('prompt_cache_key');
    const claude = { ...none, anthropicBody: { metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: 'abc' }) } } };
    expect(sessionOf(claude, {}, 'key:a')?.from).toBe('metadata.user_id session_id');
  });

  it('is no session when nothing names one, or only an opaque user id does', () => {
    expect(sessionOf(none, {}, 'key:a')).toBeUndefined();
    expect(sessionOf({ ...none, anthropicBody: { metadata: { user_id: 'user-42' } } }, {}, 'key:a')).toBeUndefined();
    expect(sessionOf(none, { 'x-switchyard-session': 'x'.repeat(300) }, 'key:a')).toBeUndefined();
  });

  it('keys a session per caller, so one caller never steers another\'s', () => {
    const a = sessionOf(none, { 'x-switchyard-session': 'same' }, 'key:a')!;
    const b = sessionOf(none, { 'x-switchyard-session': 'same' }, 'key:b')!;
    expect(a.id).not.toBe(b.id);
    expect(a.id).toBe(sessionOf(none, { 'x-switchyard-session': 'same' }, 'key:a')!.id);
  });
});

describe('a decision under the session\'s memory', () => {
  const request = (content: string) => ({ model: 'auto', messages: [{ role: 'user' as const, content }], tools: [], metadata: {}, responseFormat: { type: 'text' as const } }) as never;
  const signals = { tierHeader: undefined, routeHeader: undefined, callerId: 'key:a' };
  const session = { id: 'abc', from: 'x-switchyard-session header' };
  it('keeps a tier the session holds when this turn alone would be lower, saying so', () => {
    const decision = decideRoute(request('hi'), signals, policy);
    const sticky = withAffinity(decision, session, 2, policy);
    expect(sticky.tier).toBe(2);
    expect(sticky.chain).toEqual(policy.tiers[2]);
    expect(sticky.reasons[0]).toBe(`affinity: session (x-switchyard-session header) stays on tier 2; this turn alone would be tier ${decision.tier}`);
    expect(sticky.affinity).toEqual({ session: 'abc', from: 'x-switchyard-session header', held: 2, outcome: 'kept' });
  });

  it('rises with a turn whose decision is higher, and takes a first decision as it is', () => {
    const decision = decideRoute(request(HARD), signals, policy);
    expect(decision.tier).toBe(2);
    expect(withAffinity(decision, session, 1, policy)).toMatchObject({ tier: 2, affinity: { outcome: 'raised', held: 1 } });
    expect(withAffinity(decision, session, undefined, policy)).toMatchObject({ tier: 2, reasons: decision.reasons, affinity: { outcome: 'new', held: null } });
  });
});

describe.each([
  ['in memory', async () => ({ store: createMemorySessionStore(), close: async () => undefined })],
  [
    'on DynamoDB (dynalite)',
    async () => {
      const dynamo: EmbeddedDynamo = await startEmbeddedDynamo();
      await ensureLedgerTable(dynamo.client, 'sessions-test');
      return { store: createDynamoSessionStore({ client: dynamo.client, tableName: 'sessions-test' }), close: () => dynamo.close() };
    },
  ],
] as const)('session store %s', (_, make) => {
  it('remembers a tier, only ever raises it, and keeps sessions apart', async () => {
    const { store, close } = await make();
    try {
      expect(await store.read('s1')).toBeUndefined();
      await store.raise('s1', 1);
      await store.raise('s1', 2);
      await store.raise('s1', 0);
      expect(await store.read('s1')).toBe(2);
      await Promise.all([store.raise('s2', 3), store.raise('s2', 1)]);
      expect(await store.read('s2')).toBe(3);
      expect(await store.read('s3')).toBeUndefined();
    } finally {
      await close();
    }
  });
});

describe('session affinity through the gateway', () => {
  it('keeps a session on its model after a hard turn, tells /route without moving it, and leaves requests without a session alone', async () => {
    const sessions = createMemorySessionStore();
    const answer = { ok: true as const, usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 } };
    const { send, records } = gatewayHarness(Object.fromEntries(['mock/small', 'mock/medium', 'mock/large'].map((model) => [model, answer])), { sessions });
    const headers = { 'x-switchyard-session': 'work-1' };
    const first = await send('POST', '/chat/completions', chatBody(HARD), headers);
    expect(first.headers['x-switchyard-tier']).toBe('2');
    const second = await send('POST', '/chat/completions', chatBody('thanks!'), headers);
    expect(second.headers['x-switchyard-tier']).toBe('2');
    expect(records.at(-1)!.model).toBe(records[0]!.model);
    const explained = JSON.parse((await send('POST', '/route', chatBody('ok'), headers)).body);
    expect(explained.tier).toBe(2);
    expect(explained.affinity).toMatchObject({ from: 'x-switchyard-session header', held: 2, outcome: 'kept' });
    expect(explained.reasons[0]).toMatch(/^affinity: session \(x-switchyard-session header\) stays on tier 2; this turn alone would be tier 0/);
    // /route reads the session but never writes it: a dry run of a harder turn leaves a fresh session empty.
    await send('POST', '/route', chatBody(HARD), { 'x-switchyard-session': 'dry' });
    const afterDryRun = JSON.parse((await send('POST', '/route', chatBody('ok'), { 'x-switchyard-session': 'dry' })).body);
    expect(afterDryRun.tier).toBe(0);
    const alone = await send('POST', '/chat/completions', chatBody('thanks!'));
    expect(alone.headers['x-switchyard-tier']).toBe('0');
  });
});
