import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createAudit, lookUpPrice } from '../../lib/audit/audit';
import { synthesizeTemplate } from '../../lib/app';
import type { AuditRequest } from '../../lib/audit/log-records';
import { readRequests } from '../../lib/audit/read-logs';
import { costOf, formatUsd, parseUsd } from '../../lambda/core/accounting/money';
import { classifyWithPolicy } from '../../lambda/core/routing/decide-route';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../../lambda/policy/policy-file';

const policy = readPolicyFile(DEFAULT_POLICY_FILE);
const template = synthesizeTemplate();
const request = (overrides: Partial<AuditRequest>): AuditRequest => ({
  timestamp: '2026-11-01T10:00:00.000Z',
  model: 'gpt-5',
  usage: { input: 1000, output: 200, cacheRead: 0, cacheWrite: 0 },
  messages: [{ role: 'user', content: 'Say hello.' }],
  maxTokens: undefined,
  toolCount: 0,
  latencyMs: 800,
  failed: false,
  ...overrides,
});
const usd = (text: string) => (text.startsWith('-') ? -parseUsd(text.slice(1)) : parseUsd(text));

describe('createAudit', () => {
  it('prices a request as it ran and as its tier would route it, with the tier from the gateway\'s classifier', () => {
    const prompt = request({ messages: [{ role: 'user', content: 'Translate "thank you" into Spanish.' }] });
    const tier = classifyWithPolicy({ messages: prompt.messages!, maxTokens: undefined }, policy).tier;
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    audit.add(prompt);
    const result = audit.result();

    const gpt5 = lookUpPrice('gpt-5', policy)!.price;
    const target = policy.tiers[tier][0]!;
    expect(result.tiers[String(tier) as '0']).toBe(1);
    expect(result.classified).toBe(1);
    expect(usd(result.cost.today_usd)).toBe(costOf(prompt.usage, gpt5));
    expect(usd(result.cost.projected_usd) - usd(result.cost.verification_usd)).toBe(costOf(prompt.usage, target.price));
    expect(usd(result.cost.saving_usd)).toBe(usd(result.cost.today_usd) - usd(result.cost.projected_usd));
  });

  it('adds the tier\'s verification pass to a tier-3 request, and none to the others', () => {
    const verifying = policy;
    const highStakes = request({ messages: [{ role: 'user', content: 'My doctor prescribed warfarin and I was also given ibuprofen for back pain. Is it safe to take both together, and what dose should I use?' }] });
    const standard = request({ messages: [{ role: 'user', content: "Translate 'good morning' into French." }] });
    expect([highStakes, standard].map((each) => classifyWithPolicy({ messages: each.messages!, maxTokens: undefined }, verifying).tier)).toEqual([3, 0]);
    const audit = createAudit(verifying, { policyName: 'default', template: () => template });
    audit.add(highStakes);
    audit.add(standard);
    const result = audit.result();

    const settings = verifying.verification[3]!;
    expect(usd(result.cost.verification_usd)).toBeGreaterThan(0n);
    expect(usd(result.cost.verification_usd)).toBeLessThan(costOf({ input: 3000, output: 40, cacheRead: 0, cacheWrite: 0 }, settings.model.price));
    expect(result.shapes.by_tier.find((line) => line.key === '0')!.projected_usd).toBe(formatUsd(costOf(request({}).usage, verifying.tiers[0][0]!.price)));
  });

  it('computes the markups on the routed bill, not on today\'s', () => {
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    for (let index = 0; index < 20; index += 1) audit.add(request({ tier: (index % 4) as 0 }));
    const result = audit.result();

    const projected = usd(result.cost.projected_usd);
    expect(usd(result.markup['5%'])).toBe((projected * 5n + 50n) / 100n);
    expect(usd(result.markup['10%'])).toBe((projected * 10n + 50n) / 100n);
  });

  it('keeps a request without prompt text at what it cost, untagged, and leaves out a model it cannot price, saying which', () => {
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    audit.add(request({ messages: undefined }));
    audit.add(request({ model: 'acme/secret-model' }));
    const result = audit.result();

    expect(result.tiers.untagged).toBe(1);
    expect(result.cost.today_usd).toBe(result.cost.projected_usd);
    expect(result.requests).toBe(1);
    expect(result.unpriced).toEqual({ requests: 1, models: ['acme/secret-model'] });
  });

  it('counts a ledger\'s later attempts as spend but not as requests, and each failed attempt as a fallback', () => {
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    audit.add(request({ model: 'bedrock/amazon.nova-pro-v1:0', tier: 2, failed: true }));
    audit.add(request({ model: 'bedrock/amazon.nova-pro-v1:0', tier: 2, retry: true }));
    const result = audit.result();

    expect(result.requests).toBe(1);
    expect(result.failed).toBe(1);
    expect(usd(result.cost.today_usd)).toBe(2n * costOf(request({}).usage, lookUpPrice('bedrock/amazon.nova-pro-v1:0', policy)!.price));
    expect(result.aws.lines.find((line) => line.part === 'Step Functions (fallbacks)')!.usd).not.toBe('0.000000000');
  });

  it('keeps a ledger\'s verification calls as they ran, and adds no estimated pass where the ledger already holds one', () => {
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    const answer = request({ model: 'bedrock/amazon.nova-pro-v1:0', tier: 3, purpose: 'answer' });
    const check = request({ model: 'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0', tier: 3, purpose: 'verification', retry: true });
    audit.add(answer);
    audit.add(check);
    const result = audit.result();

    const haiku = lookUpPrice(check.model, policy)!.price;
    expect(result.cost.verification_usd).toBe('0.000000000');
    expect(usd(result.cost.projected_usd)).toBe(costOf(answer.usage, policy.tiers[3][0]!.price) + costOf(check.usage, haiku));
  });

  it('prices Gemini models from the price table', () => {
    expect(lookUpPrice('gemini-2.5-flash', policy)?.id).toBe('google/gemini-2.5-flash');
  });

  it('adds up: the breakdowns by tier, model, length and day each sum to the totals', () => {
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    const prompts = ['Hi there', 'Summarise the attached meeting notes in three bullets.', 'Prove that the square root of 2 is irrational.', 'Is it safe to combine these two medicines?'];
    for (let index = 0; index < 40; index += 1) {
      audit.add(request({ messages: [{ role: 'user', content: prompts[index % 4]! }], usage: { input: 100 * index, output: 10 * index, cacheRead: index % 3 === 0 ? 50 : 0, cacheWrite: 0 }, timestamp: `2026-11-0${1 + (index % 3)}T00:00:00.000Z` }));
    }
    const result = audit.result();

    for (const lines of [result.shapes.by_tier, result.shapes.by_model, result.shapes.by_length, result.daily]) {
      expect(lines.reduce((sum, line) => sum + usd(line.today_usd), 0n)).toBe(usd(result.cost.today_usd));
      expect(lines.reduce((sum, line) => sum + usd(line.projected_usd), 0n)).toBe(usd(result.cost.projected_usd));
      expect(lines.reduce((sum, line) => sum + line.requests, 0)).toBe(40);
    }
    expect(usd(result.net.saving_usd)).toBe(usd(result.cost.saving_usd) - usd(result.aws.total_usd));
  });

  it('finds list prices under the names logs use: dated OpenAI snapshots, Bedrock ids and inference-profile ARNs', () => {
    expect(lookUpPrice('gpt-4.1-mini-2025-04-14', policy)?.id).toBe('openai/gpt-4.1-mini');
    expect(lookUpPrice('amazon.nova-lite-v1:0', policy)?.id).toBe('bedrock/amazon.nova-lite-v1:0');
    expect(lookUpPrice('arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0', policy)?.id).toBe(
      'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0',
    );
    expect(lookUpPrice('no-such-model', policy)).toBeNull();
  });

  it('reads a large log in constant memory', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'audit-memory-')), 'batch.jsonl.gz');
    const line = (index: number) =>
      `${JSON.stringify({ id: `batch_req_${index}`, custom_id: `r${index}`, response: { status_code: 200, body: { model: 'gpt-4.1-mini', created: 1793491200 + index, usage: { prompt_tokens: 100 + (index % 50), completion_tokens: 20 } } }, error: null, padding: 'x'.repeat(200) })}\n`;
    const lines = 200_000;
    await pipeline(
      Readable.from((function* () {
        for (let index = 0; index < lines; index += 1) yield line(index);
      })()),
      createGzip(),
      createWriteStream(file),
    );
    const audit = createAudit(policy, { policyName: 'default', template: () => template });
    // What stays on the heap once garbage is collected, early in the read and at its end.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const retained = () => (collect(), process.memoryUsage().heapUsed);
    let early = 0;
    let seen = 0;
    for await (const parsed of readRequests([file])) {
      audit.add(parsed);
      seen += 1;
      if (seen === 20_000) early = retained();
    }
    const late = retained();

    expect(audit.result().requests).toBe(lines);
    // The log is over 50 MB unzipped; ten times the lines leave the heap where it was.
    expect(late - early).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);
});
