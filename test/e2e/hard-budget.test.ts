/**
 * A hard budget holds under concurrency: 64 requests at once against a
 * `block` budget with room for the worst case of 10, through the local gateway
 * with budget counters on dynalite. Spend never passes the cap, and every
 * refused request gets a 429 that names the budget and its reset.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { worstCaseAttemptCost, formatUsd } from '../../lambda/core/accounting/money';
import { maxInputTokens } from '../../lambda/core/routing/token-estimate';
import { callerIdForKey } from '../../lambda/core/features/auth';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { attemptRows } from '../support/ledger-rows';

const KEY = 'budgeted-team';
const CALLER = callerIdForKey(KEY);
const MESSAGES = [{ role: 'user' as const, content: 'Summarise the quarterly numbers in one line.' }];
const MAX_TOKENS = 200;
const PRICE = { input: '3', output: '15', source: 'test', asOf: '2026-01-01' };

describe('a block budget under 64 concurrent requests', () => {
  let gateway: LocalGateway;
  let cap: bigint;

  beforeAll(async () => {
    const document = {
      version: 1 as const,
      models: { 'mock/flagship': { contextWindow: 200_000, maxOutputTokens: 4000, price: PRICE, simulation: { latencyMs: 200 } } },
      tiers: { '0': ['mock/flagship'], '1': ['mock/flagship'], '2': ['mock/flagship'], '3': ['mock/flagship'] },
      flagship: 'mock/flagship',
    };
    const worst = worstCaseAttemptCost(loadPolicy(document).models.get('mock/flagship')!, maxInputTokens(MESSAGES), MAX_TOKENS);
    cap = 10n * worst;
    gateway = await startLocalGateway({
      port: 0,
      simulate: 'all',
      environment: {},
      policy: loadPolicy({ ...document, budgets: { callers: { [CALLER]: { dailyUsd: formatUsd(cap), mode: 'block' } } } }),
    });
  });
  afterAll(() => gateway.close());

  it('never spends past the cap, and refuses the rest with a 429 naming the budget', async () => {
    const responses = await Promise.all(
      Array.from({ length: 64 }, () =>
        fetch(`${gateway.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'auto', max_tokens: MAX_TOKENS, messages: MESSAGES }),
        }).then(async (response) => ({ status: response.status, body: (await response.json()) as any, id: response.headers.get('x-switchyard-request-id')! })),
      ),
    );
    const answered = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(answered.length + refused.length).toBe(64);
    expect(answered.length).toBeGreaterThanOrEqual(10) /* `${answered.length} answered` */;
    expect(refused.length).toBeGreaterThan(0) /* 'some requests were refused' */;
    for (const { body } of refused) {
      expect(body.error.code).toBe('budget_exceeded');
      expect(body.error.type).toBe('insufficient_quota');
      // Refused with no room left, or with less room than this request's worst case: either way, the budget and its reset.
      expect(body.error.message).toMatch(new RegExp(`(daily budget "caller:${CALLER}" has no room left for this request|left today in the daily budget "caller:${CALLER}").* resets at \\d{4}-\\d{2}-\\d{2}T00:00:00.000Z`));
    }

    let spent = 0n;
    for (const { id } of answered) {
      for (const row of await attemptRows(gateway, id)) spent += BigInt(row['costNanoUsd']!.N!);
    }
    expect(spent).toBeGreaterThan(0n);
    expect(spent).toBeLessThanOrEqual(cap);
    for (const { id } of refused) {
      const rows = await gateway.dynamo.client.send(
        new QueryCommand({ TableName: gateway.ledgerTableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `REQ#${id}` } } }),
      );
      expect(rows.Items?.length ?? 0).toBe(0) /* 'a refused request called no provider' */;
    }
    const day = new Date().toISOString().slice(0, 10);
    const counter = await gateway.dynamo.client.send(
      new GetItemCommand({ TableName: gateway.ledgerTableName, Key: { pk: { S: `BUDGET#caller:${CALLER}#${day}` }, sk: { S: 'STATE' } } }),
    );
    expect(BigInt(counter.Item!['committed']!.N!)).toBe(spent) /* 'every reservation was settled to the actual cost' */;
  });
});
