import { GetItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createDynamoKeyStore } from '../../lambda/adapters/dynamodb/dynamodb-key-store';
import { KEY_PREFIXES } from '../../lambda/adapters/dynamodb/ledger-table';
import { createManagedKeyAuthorizer } from '../../lambda/handlers/authorizer';
import { checkKey, createKeyVerifier, hashKey } from '../../lambda/core/features/managed-keys';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

const TABLE = 'keys-test';
const MINUTE = 60_000;

describe('managed key store on DynamoDB, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  const clock = { value: Date.UTC(2026, 10, 27, 12) };
  const store = () => createDynamoKeyStore({ client: dynamo.client, tableName: TABLE, now: () => clock.value });
  /** Writes one attribute of a key's record behind the store's back, as a cut-short or broken write would leave it. */
  const setAttribute = (id: string, name: string, value: AttributeValue) =>
    dynamo.client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: KEY_PREFIXES.apiKey }, sk: { S: `KEY#${id}` } },
        UpdateExpression: 'SET #name = :value',
        ExpressionAttributeNames: { '#name': name },
        ExpressionAttributeValues: { ':value': value },
      }),
    );
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  it('creates a key, stores only its hash and limits, and verifies it', async () => {
    const { key, record } = await store().create({ name: 'team-a', limits: { maxTier: 2, dailyBudget: { usd: '50', mode: 'block' } } });
    expect(key).toMatch(/^sy-[0-9a-f]{16}-[A-Za-z0-9_-]{43}$/);
    const { Items } = await dynamo.client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: KEY_PREFIXES.apiKey } } }),
    );
    // The key itself, and its secret part, are nowhere in the table.
    const stored = JSON.stringify(Items);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(20));
    expect(stored).toContain(hashKey(key));

    const read = await store().get(record.id);
    expect(read).toMatchObject({ id: record.id, name: 'team-a', limits: { maxTier: 2, dailyBudget: { usd: '50', mode: 'block' } } });
    expect(checkKey(key, read, clock.value)).toEqual({
      ok: true,
      key: { callerId: `key:${record.id}`, keyId: record.id, name: 'team-a', limits: { maxTier: 2, dailyBudget: { usd: '50', mode: 'block' } } },
    });
    expect(checkKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, read, clock.value)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses a second live key of the same name, and frees the name on revoke', async () => {
    const { record } = await store().create({ name: 'dup', limits: {} });
    await expect(store().create({ name: 'dup', limits: {} })).rejects.toThrow('A live key is already named "dup"');
    await store().revoke(record.id);
    const again = await store().create({ name: 'dup', limits: {} });
    expect(again.record.id).not.toBe(record.id);
    expect((await store().find('dup'))!.id).toBe(again.record.id);
    // The revoked one is still listed, and says so.
    const revoked = (await store().list()).find((key) => key.id === record.id)!;
    expect(revoked.revokedAt).toBe(clock.value);
  });

  it('lets a new key take a name whose claim a cut-short revoke left behind', async () => {
    const { record } = await store().create({ name: 'half-revoked', limits: {} });
    // The revoke's first step only: the record is revoked, the name claim is still there.
    await setAttribute(record.id, 'revokedAt', { N: String(clock.value) });
    const again = await store().create({ name: 'half-revoked', limits: {} });
    expect((await store().find('half-revoked'))!.id).toBe(again.record.id);
  });

  it('refuses names that are not plain words', async () => {
    await expect(store().create({ name: 'a b', limits: {} })).rejects.toThrow('is not valid');
    await expect(store().create({ name: '', limits: {} })).rejects.toThrow('is not valid');
    await expect(store().create({ name: '0123456789abcdef', limits: {} })).rejects.toThrow('reads as a key id');
  });

  it('revokes a key: the next check says revoked', async () => {
    const { key, record } = await store().create({ name: 'to-revoke', limits: {} });
    await store().revoke(record.id);
    expect(checkKey(key, await store().get(record.id), clock.value)).toEqual({ ok: false, reason: 'revoked' });
    // A second revoke changes nothing, and says when the first one happened.
    expect((await store().revoke(record.id)).revokedAt).toBe(clock.value);
    await expect(store().revoke('0123456789abcdef')).rejects.toThrow('There is no key 0123456789abcdef');
    await expect(store().rotate(record.id, MINUTE)).rejects.toThrow('is revoked');
  });

  it('rotates with a grace period: both keys work until it ends, then only the new one; the id stays', async () => {
    const { key: oldKey, record } = await store().create({ name: 'rotating', limits: {} });
    const { key: newKey, record: rotated } = await store().rotate(record.id, 10 * MINUTE);
    expect(rotated.id).toBe(record.id);
    expect(newKey).not.toBe(oldKey);
    expect(newKey.startsWith(`sy-${record.id}-`)).toBe(true);
    const read = await store().get(record.id);
    expect(checkKey(oldKey, read, clock.value + 9 * MINUTE).ok).toBe(true);
    expect(checkKey(newKey, read, clock.value + 9 * MINUTE)).toMatchObject({ ok: true, key: { callerId: `key:${record.id}` } });
    expect(checkKey(oldKey, read, clock.value + 10 * MINUTE)).toEqual({ ok: false, reason: 'unknown' });
    expect(checkKey(newKey, read, clock.value + 10 * MINUTE).ok).toBe(true);
  });

  it('expires a key at its expiry', async () => {
    const { key, record } = await store().create({ name: 'short-lived', limits: {}, expiresAt: clock.value + MINUTE });
    const read = await store().get(record.id);
    expect(checkKey(key, read, clock.value + MINUTE - 1).ok).toBe(true);
    expect(checkKey(key, read, clock.value + MINUTE)).toEqual({ ok: false, reason: 'expired' });
    // The expiry is not the table's TTL attribute: DynamoDB must not delete the record and forget why it fails.
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: KEY_PREFIXES.apiKey }, sk: { S: `KEY#${record.id}` } } }));
    expect(Item!['expiresAt']).toBeUndefined();
  });

  it('changes limits and expiry in place', async () => {
    const { key, record } = await store().create({ name: 'limited', limits: { maxTier: 1 }, expiresAt: clock.value + MINUTE });
    const updated = await store().update(record.id, { limits: { models: ['bedrock/amazon.nova-micro-v1:0'] }, expiresAt: clock.value + 2 * MINUTE });
    expect(updated.limits).toEqual({ models: ['bedrock/amazon.nova-micro-v1:0'] });
    expect(updated.expiresAt).toBe(clock.value + 2 * MINUTE);
    // Clearing the expiry alone changes nothing else.
    const cleared = await store().update(record.id, { expiresAt: null });
    expect([cleared.expiresAt, cleared.limits]).toEqual([undefined, { models: ['bedrock/amazon.nova-micro-v1:0'] }]);
    expect(checkKey(key, await store().get(record.id), clock.value + 2 * MINUTE).ok).toBe(true);
  });

  it('leaves a record it cannot read out of the list, and refuses to verify against it', async () => {
    const { record } = await store().create({ name: 'broken', limits: {} });
    await setAttribute(record.id, 'limits', { S: '{"maxTier":9}' });
    expect((await store().list()).map((key) => key.id)).not.toContain(record.id);
    await expect(store().get(record.id)).rejects.toThrow();
  });

  it("reads each key's budget with no secret's hash: only the id, the limits and the revocation come back", async () => {
    const sent: Record<string, unknown>[] = [];
    dynamo.client.middlewareStack.add((next) => async (args) => {
      sent.push(args.input as Record<string, unknown>);
      return next(args);
    }, { step: 'initialize', name: 'recordBudgetQueries' });
    try {
      const budgets = await store().budgets();
      const listed = await store().list();
      expect(budgets.map((budget) => budget.id).sort()).toEqual(listed.map((key) => key.id).sort());
      const revoked = listed.find((key) => key.revokedAt !== undefined)!;
      expect(budgets.find((budget) => budget.id === revoked.id)).toEqual({ id: revoked.id, limits: revoked.limits, revokedAt: revoked.revokedAt });
      for (const budget of budgets) expect(Object.keys(budget).sort()).toEqual(['id', 'limits', 'revokedAt']);
      const query = sent.find((input) => 'ProjectionExpression' in input)!;
      const names = query['ExpressionAttributeNames'] as Record<string, string>;
      expect((query['ProjectionExpression'] as string).split(', ').map((name) => names[name]).sort()).toEqual(['keyId', 'limits', 'pk', 'revokedAt', 'sk']);
    } finally {
      dynamo.client.middlewareStack.remove('recordBudgetQueries');
    }
  });

  it('lists every key, revoked ones too, oldest first', async () => {
    clock.value += MINUTE;
    await store().create({ name: 'newest', limits: {} });
    const keys = await store().list();
    expect(keys.map((key) => key.name).sort()).toEqual(['dup', 'dup', 'half-revoked', 'half-revoked', 'limited', 'newest', 'rotating', 'short-lived', 'team-a', 'to-revoke']);
    expect(keys.at(-1)!.name).toBe('newest');
  });
});

describe('key verifier and managed-key authorizer', () => {
  let dynamo: EmbeddedDynamo;
  const clock = { value: 1_000_000 };
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/POST/chat/completions';
  const event = (headers: Record<string, string>) => ({ type: 'REQUEST', methodArn: METHOD_ARN, headers }) as unknown as APIGatewayRequestAuthorizerEvent;

  it('caches a record for its TTL: a revocation takes effect when the TTL ends, not before', async () => {
    const store = createDynamoKeyStore({ client: dynamo.client, tableName: TABLE, now: () => clock.value });
    const reads: string[] = [];
    const verify = createKeyVerifier(
      (id) => {
        reads.push(id);
        return store.get(id);
      },
      { ttlMs: 30_000, clock: { now: () => clock.value } },
    );
    const { key, record } = await store.create({ name: 'cached', limits: {} });
    const checks = await Promise.all([verify(key), verify(key), verify(key)]);
    expect(checks.every((check) => check.ok)).toBe(true);
    expect(reads).toEqual([record.id]);

    await store.revoke(record.id);
    clock.value += 29_999;
    expect((await verify(key)).ok).toBe(true);
    clock.value += 1;
    expect(await verify(key)).toEqual({ ok: false, reason: 'revoked' });
    expect(reads).toEqual([record.id, record.id]);
  });

  it('accepts a key rotated in since its record was cached, and still refuses wrong secrets after one read a second', async () => {
    const store = createDynamoKeyStore({ client: dynamo.client, tableName: TABLE, now: () => clock.value });
    let reads = 0;
    const verify = createKeyVerifier(
      (id) => {
        reads += 1;
        return store.get(id);
      },
      { ttlMs: 30_000, clock: { now: () => clock.value } },
    );
    const { key: oldKey, record } = await store.create({ name: 'rotated-under-cache', limits: {} });
    expect((await verify(oldKey)).ok).toBe(true);
    const { key: newKey } = await store.rotate(record.id, 60_000);
    clock.value += 1000;
    expect((await verify(newKey)).ok).toBe(true);
    expect((await verify(oldKey)).ok).toBe(true);
    expect(reads).toBe(2);
    const wrong = `${newKey.slice(0, -1)}${newKey.endsWith('A') ? 'B' : 'A'}`;
    expect((await verify(wrong)).ok).toBe(false);
    expect((await verify(wrong)).ok).toBe(false);
    // Guessing secrets for a real id costs at most one read a second.
    expect(reads).toBe(2);
    clock.value += 1000;
    expect((await verify(wrong)).ok).toBe(false);
    expect(reads).toBe(3);
  });

  it('spends no read on a string that is not a managed key, and keeps an unknown id cached too', async () => {
    const reads: string[] = [];
    const verify = createKeyVerifier(async (id) => {
      reads.push(id);
      return undefined;
    });
    expect(await verify('sk-not-managed')).toEqual({ ok: false, reason: 'malformed' });
    const guess = `sy-0123456789abcdef-${'A'.repeat(43)}`;
    await verify(guess);
    await verify(guess);
    expect(reads).toEqual(['0123456789abcdef']);
  });

  it('does not keep a failed read: the next check reads again', async () => {
    let fail = true;
    const verify = createKeyVerifier(async () => {
      if (fail) throw new Error('throttled');
      return undefined;
    });
    const guess = `sy-0123456789abcdef-${'A'.repeat(43)}`;
    await expect(verify(guess)).rejects.toThrow('throttled');
    fail = false;
    expect(await verify(guess)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('authorizes a managed key as its id, with its limits in the context and the plan key for the usage plan', async () => {
    const store = createDynamoKeyStore({ client: dynamo.client, tableName: TABLE });
    const authorize = createManagedKeyAuthorizer(createKeyVerifier((id) => store.get(id)), 'plan-key-not-a-secret');
    const { key, record } = await store.create({ name: 'authorized', limits: { maxTier: 1 } });
    const result = await authorize(event({ Authorization: `Bearer ${key}` }));
    expect(result.principalId).toBe(`key:${record.id}`);
    expect(result.usageIdentifierKey).toBe('plan-key-not-a-secret');
    expect(result.context).toEqual({ callerId: `key:${record.id}`, keyName: 'authorized', keyLimits: '{"maxTier":1}' });
    expect(JSON.stringify(result)).not.toContain(key);
    expect((await authorize(event({ 'x-api-key': key }))).principalId).toBe(`key:${record.id}`);
  });

  it('answers Unauthorized for no key, and denies a plain or revoked key (both 401s from the API)', async () => {
    const store = createDynamoKeyStore({ client: dynamo.client, tableName: TABLE });
    const authorize = createManagedKeyAuthorizer(createKeyVerifier((id) => store.get(id), { ttlMs: 0 }), 'plan');
    const { key, record } = await store.create({ name: 'soon-revoked', limits: {} });
    await store.revoke(record.id);
    await expect(authorize(event({}))).rejects.toThrow(/^Unauthorized$/);
    for (const presented of ['sk-anything', key]) {
      const denied = await authorize(event({ Authorization: `Bearer ${presented}` }));
      expect(denied.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Deny' })]);
      expect(denied.context).toEqual({});
    }
  });
});
