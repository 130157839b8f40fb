import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { synthesizeTemplate } from '../../lib/app';
import { awsBillOf, DEFAULT_AWS_USAGE, type AwsCostLine, type CfnTemplate } from '../../lib/audit/aws-bill';
import { BILLED_TYPES, UNBILLED_TYPES } from '../../lib/audit/billed-types';
import { attemptItem } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import { createRouterHandler } from '../../lambda/handlers/create-router-handler';
import { invokeStreaming, proxyEvent, useLambdaStreamingRuntime } from '../../lambda/local/lambda-runtime';
import type { RequestSummary } from '../../lambda/core/gateway/types';
import { DOCUMENTED_MODES } from '../support/cdk';

const TRAFFIC = { requests: 10_000_000, fallbacks: 100_000, modelLatencyMs: 10_000_000 * 2000 };
const total = (lines: readonly AwsCostLine[]) => lines.reduce((sum, line) => sum + line.costNanoUsd, 0n);
const cost = (lines: readonly AwsCostLine[], part: string) => lines.find((line) => line.part === part)?.costNanoUsd;

describe("the AWS bill, read from the stack's template", () => {
  it.each(Object.entries(DOCUMENTED_MODES))('gives every billable resource of the %s mode a line, and knows every other type', (_mode, context) => {
    const template = synthesizeTemplate(context);
    expect(uncovered(template)).toEqual({ unknown: [], unbilled: [] });
  });

  it('finds a resource of a type it does not know', () => {
    const template = synthesizeTemplate();
    const cache = { Type: 'AWS::ElastiCache::CacheCluster' };
    expect(uncovered({ Resources: { ...template.Resources, Cache: cache } })).toEqual({ unknown: ['Cache (AWS::ElastiCache::CacheCluster)'], unbilled: [] });
  });

  it('moves with the stack: memory, per-method metrics, trace sampling, WAF and the ledger retention', () => {
    const base = awsBillOf(synthesizeTemplate(), TRAFFIC);
    const bigger = awsBillOf(synthesizeTemplate({ routerMemoryMb: 512 }), TRAFFIC);
    // Twice the memory, twice the GB-seconds; the $2.00 of requests stays.
    expect(cost(bigger, 'Router Lambda')! - 2_000_000_000n).toBe(2n * (cost(base, 'Router Lambda')! - 2_000_000_000n));
    expect(cost(awsBillOf(synthesizeTemplate({ detailedApiMetrics: true }), TRAFFIC), 'CloudWatch metrics')!).toBeGreaterThan(cost(base, 'CloudWatch metrics')!);
    expect(cost(awsBillOf(synthesizeTemplate({ traceSamplePercent: 100 }), TRAFFIC), 'X-Ray')).toBe(50_000_000_000n);
    expect(cost(base, 'X-Ray')).toBe(500_000_000n);
    expect(cost(base, 'WAF')).toBeUndefined();
    expect(cost(awsBillOf(synthesizeTemplate({ wafRateLimit: 2000 }), TRAFFIC), 'WAF')).toBeGreaterThan(0n);
    const longer = cost(awsBillOf(synthesizeTemplate({ ledgerRetentionDays: 180 }), TRAFFIC), 'DynamoDB storage')!;
    expect(longer - 2n * cost(base, 'DynamoDB storage')!).toBeLessThanOrEqual(1n);
    expect(total(bigger)).toBeGreaterThan(total(base));
  });

  it('bills the router at 256 MB on arm64 for the model\'s latency and its own, and an API request at $3.50 a million, exactly', () => {
    const lines = awsBillOf(synthesizeTemplate(), { requests: 1_000_000, fallbacks: 0, modelLatencyMs: 1_000_000 * 980 });
    expect(cost(lines, 'API Gateway')).toBe(3_500_000_000n);
    // A million requests of 1,000 ms (980 + 20) at a quarter GB: 250,000 GB-s at $0.0000133334, plus $0.20 of requests.
    expect(cost(lines, 'Router Lambda')).toBe(3_333_350_000n + 200_000_000n);
  });

  it('counts the alarms\' metrics, not their math, and one dashboard', () => {
    const template = synthesizeTemplate();
    const alarms = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const lines = awsBillOf(template, TRAFFIC);
    expect(lines.find((line) => line.part === 'CloudWatch alarms')!.resources).toHaveLength(alarms.length);
    expect(cost(lines, 'CloudWatch dashboard')).toBe(3_000_000_000n);
  });

  it('stays above 0.5% of the worked example at 256 MB even without the dashboard, its metrics and backups, as docs/costs.md says', () => {
    const lines = awsBillOf(synthesizeTemplate(), TRAFFIC);
    const optional = ['CloudWatch dashboard', 'CloudWatch metrics', 'DynamoDB backups (point-in-time recovery)'];
    // The two custom metrics the alarms read: Requests (RouterSilent) and Fallbacks (FallbackRate), at $0.30 each.
    const bare = total(lines.filter((line) => !optional.includes(line.part))) + 2n * 300_000_000n;
    const halfPercentOfRouted = 138_000_000_000n;
    expect(bare).toBeGreaterThan(halfPercentOfRouted);
    const costs = readFileSync(join(__dirname, '..', '..', 'docs', 'costs.md'), 'utf8');
    expect(costs).toContain(`$${(Number(bare) / 1e9).toFixed(2)}, ${((Number(bare) / 27_600e9) * 100).toFixed(3)}%`);
  });
});

describe('the assumptions the template cannot hold', () => {
  const SUMMARY: RequestSummary = {
    endpoint: 'chat',
    status: 200,
    tier: '2',
    model: 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    attempts: 2,
    costNanoUsd: 12_345_678n,
    flagshipCostNanoUsd: 98_765_432n,
    route: null,
    providerLatencyMs: 12_345,
    simulated: false,
    failures: ['throttled'],
  };

  it("fit the router's one line for a request with a long model id and a fallback", async () => {
    const restore = useLambdaStreamingRuntime();
    const lines: string[] = [];
    const handler = createRouterHandler({
      start: async () => ({ gateway: async (request) => ({ status: 200, headers: { 'x-switchyard-request-id': request.requestId }, body: '{}', summary: SUMMARY }), requestTimeoutMs: 29_000 }),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'router' }),
      writeEmf: (line) => lines.push(line),
    });
    try {
      await invokeStreaming(handler, proxyEvent({ resource: '/chat/completions' }));
    } finally {
      restore();
    }
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThanOrEqual(DEFAULT_AWS_USAGE.routerLogBytes);
  });

  it("fit an attempt record's stored size, by DynamoDB's rule (names and values, and 100 bytes an item)", () => {
    const item = attemptItem(
      {
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        attempt: 2,
        startedAt: '2026-12-05T10:00:00.000Z',
        callerId: 'key:0123456789abcdef0123456789abcdef',
        tier: 2,
        route: 'support-triage',
        provider: 'bedrock',
        model: SUMMARY.model!,
        usage: { input: 12_345, output: 2_345, cacheRead: 45_678, cacheWrite: 1_234 },
        costNanoUsd: 12_345_678n,
        flagshipCostNanoUsd: 98_765_432n,
        latencyMs: 12_345,
        outcome: 'success',
        simulated: false,
        estimated: false,
      },
      90 * 86_400,
    );
    expect(itemBytes(item) + 100).toBeLessThanOrEqual(DEFAULT_AWS_USAGE.ledgerRecordBytes);
  });
});

/** The template's resources the bill neither prices nor knows to be free. */
function uncovered(template: CfnTemplate): { unknown: string[]; unbilled: string[] } {
  const billed = new Set(awsBillOf(template, TRAFFIC).flatMap((line) => line.resources));
  const unknown: string[] = [];
  const unbilled: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if ((BILLED_TYPES as readonly string[]).includes(resource.Type)) {
      if (!billed.has(id)) unbilled.push(`${id} (${resource.Type})`);
    } else if (!(resource.Type in UNBILLED_TYPES)) unknown.push(`${id} (${resource.Type})`);
  }
  return { unknown, unbilled };
}

/** DynamoDB's item size: each attribute's name and value in bytes (a number at most 21). */
function itemBytes(item: Record<string, AttributeValue>): number {
  const valueBytes = (value: AttributeValue): number => {
    if (value.S !== undefined) return Buffer.byteLength(value.S);
    if (value.N !== undefined) return Math.min(21, Math.ceil(value.N.replace(/^-|\./g, '').length / 2) + 1);
    if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
    if (value.M !== undefined) return 3 + itemBytes(value.M);
    if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueBytes(entry), 0);
    if (value.SS !== undefined) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    throw new Error(`no size rule for ${JSON.stringify(value)}`);
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}
