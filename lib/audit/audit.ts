/**
 * Audit: `switchyard audit`, which prices a request log as it ran and as
 * Switchyard would route it: reading logs, the arithmetic, and the text and
 * HTML reports.
 *
 * The cost audit's arithmetic: each logged request is tagged with a tier by
 * the gateway's own classifier (under the policy's thresholds), priced as it
 * ran (the logged model at list price) and as Switchyard would have run it
 * (the first model of its tier's chain that fits its prompt, plus the tier's
 * verification pass), and summed, in integer nano-USD, into totals, tier and
 * shape breakdowns and a daily trend. State is a handful of counters per
 * model, tier, length band and day: memory does not grow with the log.
 */
import { estimateTokens } from '../../lambda/core/routing/token-estimate';
import type { ChatMessage } from '../../lambda/core/model/message';
import { costOf, formatUsd, parseUsd, percentageOf, type ModelPrice, type NanoUsd } from '../../lambda/core/accounting/money';
import type { ModelSpec, Policy } from '../../lambda/policy/policy';
import { compilePrice } from '../../lambda/policy/load-policy';
import type { Tier } from '../../lambda/policy/schema';
import { PRICE_TABLE } from '../../lambda/core/accounting/price-table';
import { classifyWithPolicy } from '../../lambda/core/routing/decide-route';
import type { TokenUsage } from '../../lambda/core/model/usage';
import { TYPICAL_VERDICT_TOKENS, verificationFor, verifierRequest } from '../../lambda/core/features/verification';
import { managedInstancesBreakEven } from './managed-instances';
import { awsBillOf, DEFAULT_AWS_USAGE, type AwsUsageAssumptions, type CfnTemplate } from './aws-bill';
import { percentOf } from '../../lambda/core/accounting/usage-report';
import type { AuditRequest } from './log-records';

export const TIER_KEYS = ['0', '1', '2', '3', 'untagged'] as const;
export type TierKey = (typeof TIER_KEYS)[number];
export const LENGTH_BANDS = ['< 500', '500–2k', '2k–8k', '8k–32k', '≥ 32k'] as const;
/** Distinct models and days kept apart; beyond them, "other". */
const MAX_KEYS = 200;

interface Sums {
  requests: number;
  today: NanoUsd;
  projected: NanoUsd;
}

export interface ShapeLine {
  readonly key: string;
  readonly requests: number;
  readonly today_usd: string;
  readonly projected_usd: string;
  readonly saving_usd: string;
}

export interface AuditResult {
  readonly policy: string;
  readonly requests: number;
  /** Tagged by the classifier; the rest had no prompt text (or were ledger records with their tier). */
  readonly classified: number;
  readonly failed: number;
  readonly unpriced: { readonly requests: number; readonly models: readonly string[] };
  readonly tiers: Readonly<Record<TierKey, number>>;
  readonly cost: {
    readonly today_usd: string;
    readonly projected_usd: string;
    /** Of the projection: the verification passes the policy adds (tier 3 by default). */
    readonly verification_usd: string;
    readonly saving_usd: string;
    readonly saving_percent: string;
  };
  /** What a gateway taking a markup would add on top of the routed (projected) bill. */
  readonly markup: { readonly '5%': string; readonly '10%': string };
  /** Switchyard's own AWS bill for the same traffic. */
  readonly aws: { readonly lines: readonly { part: string; usd: string; basis: string }[]; readonly total_usd: string };
  readonly net: { readonly projected_with_aws_usd: string; readonly saving_usd: string; readonly saving_percent: string };
  /** The monthly volume above which the router would cost less on Lambda Managed Instances, at this log's mean latency. */
  readonly managed_instances_break_even_requests_per_month: number;
  readonly shapes: { readonly by_model: readonly ShapeLine[]; readonly by_tier: readonly ShapeLine[]; readonly by_length: readonly ShapeLine[] };
  /** Only when the log has timestamps. */
  readonly daily: readonly ShapeLine[];
  readonly assumptions: readonly string[];
}

export interface Audit {
  add(request: AuditRequest): void;
  result(): AuditResult;
}

/**
 * `options.template`: the stack whose AWS bill the net saving subtracts
 * (`() => synthesizeTemplate()` for the default one), asked for only once the
 * log has been read, so a bad log fails before seconds of synthesis.
 */
export function createAudit(policy: Policy, options: { policyName: string; template: () => CfnTemplate; aws?: AwsUsageAssumptions }): Audit {
  const aws = options.aws ?? DEFAULT_AWS_USAGE;
  const prices = new Map<string, { id: string; price: ModelPrice } | null>();
  const verifierOverhead = new Map<string, number>();
  const total: Sums = { requests: 0, today: 0n, projected: 0n };
  let verification = 0n;
  let classified = 0;
  let failed = 0;
  let latencyMs = 0;
  let latencyUnknown = 0;
  let unpricedRequests = 0;
  const unpricedModels = new Set<string>();
  const tiers = Object.fromEntries(TIER_KEYS.map((key) => [key, 0])) as Record<TierKey, number>;
  const byModel = new Map<string, Sums>();
  const byTier = new Map<string, Sums>();
  const byLength = new Map<string, Sums>();
  const byDay = new Map<string, Sums>();

  const priceOf = (model: string) => {
    if (!prices.has(model)) prices.set(model, lookUpPrice(model, policy));
    return prices.get(model)!;
  };
  const verifierCost = (tier: Tier, usage: TokenUsage): NanoUsd => {
    const settings = verificationFor({ tier, route: null }, policy);
    if (!settings) return 0n;
    if (!verifierOverhead.has(settings.model.id)) {
      verifierOverhead.set(settings.model.id, estimateTokens(verifierRequest({ messages: [{ role: 'user', content: '' }] }, '', settings).messages));
    }
    const input = verifierOverhead.get(settings.model.id)! + usage.input + usage.cacheRead + usage.cacheWrite + usage.output;
    return costOf({ input, output: TYPICAL_VERDICT_TOKENS, cacheRead: 0, cacheWrite: 0 }, settings.model.price);
  };

  return {
    add(request) {
      const counts = request.retry !== true;
      // A call that billed nothing (a refused or failed one) costs nothing on any model: it needs no price.
      const billed = request.usage.input + request.usage.output + request.usage.cacheRead + request.usage.cacheWrite > 0;
      const logged = billed ? priceOf(request.model) : FREE;
      if (logged === null) {
        if (counts) unpricedRequests += 1;
        if (unpricedModels.size < MAX_KEYS) unpricedModels.add(request.model);
        return;
      }
      const tier = request.tier !== undefined ? request.tier : tierOf(request, policy);
      if (request.tier === undefined && tier !== null && counts) classified += 1;
      const today = costOf(request.usage, logged.price);
      let projected = today;
      // A ledger's verification, shadow and judge calls are in it as they ran: they stay as they are, not re-routed as answers.
      const extraWork = request.purpose !== undefined && request.purpose !== 'answer';
      if (tier !== null && !extraWork) {
        const target = firstFitting(policy.tiers[tier], request.usage);
        if (target) {
          // Another model starts with a cold prompt cache: its cached tokens are priced as plain input there.
          const usage = target.id === logged.id ? request.usage : { ...request.usage, input: request.usage.input + request.usage.cacheRead + request.usage.cacheWrite, cacheRead: 0, cacheWrite: 0 };
          // A ledger already holds its verification calls; a plain log gets the pass the policy would add.
          const verified = counts && !request.failed && request.tier === undefined ? verifierCost(tier, usage) : 0n;
          verification += verified;
          projected = costOf(usage, target.price) + verified;
        }
      }
      const key: TierKey = tier === null ? 'untagged' : (String(tier) as TierKey);
      if (counts) {
        tiers[key] += 1;
        if (request.latencyMs === undefined) latencyUnknown += 1;
        else latencyMs += request.latencyMs;
      }
      if (request.failed) failed += 1;
      const add = (map: Map<string, Sums> | undefined, name: string) => {
        const sums = map === undefined ? total : (map.get(name) ?? (map.size < MAX_KEYS ? newSums(map, name) : (map.get('other') ?? newSums(map, 'other'))));
        if (counts) sums.requests += 1;
        sums.today += today;
        sums.projected += projected;
      };
      add(undefined, '');
      add(byModel, request.model);
      add(byTier, key);
      add(byLength, lengthBand(request.usage));
      if (request.timestamp) add(byDay, request.timestamp.slice(0, 10));
    },

    result() {
      // What AWS bills by the month is billed for the days the log spans; a log without timestamps counts as a month.
      const months = byDay.size > 0 ? byDay.size / (365 / 12) : 1;
      const traffic = { requests: total.requests, fallbacks: failed, modelLatencyMs: latencyMs + latencyUnknown * aws.defaultLatencyMs, months };
      const template = options.template();
      const awsLines = awsBillOf(template, traffic, aws);
      const breakEven = managedInstancesBreakEven(template, traffic.modelLatencyMs / Math.max(1, traffic.requests), aws);
      const awsTotal = awsLines.reduce((sum, line) => sum + line.costNanoUsd, 0n);
      const saving = total.today - total.projected;
      const net = total.today - total.projected - awsTotal;
      return {
        policy: options.policyName,
        requests: total.requests,
        classified,
        failed,
        unpriced: { requests: unpricedRequests, models: [...unpricedModels].sort() },
        tiers,
        cost: {
          today_usd: formatUsd(total.today),
          projected_usd: formatUsd(total.projected),
          verification_usd: formatUsd(verification),
          saving_usd: formatUsd(saving),
          saving_percent: percentOf(saving, total.today),
        },
        markup: { '5%': formatUsd(percentageOf(total.projected, 5n)), '10%': formatUsd(percentageOf(total.projected, 10n)) },
        aws: { lines: awsLines.map((line) => ({ part: line.part, usd: formatUsd(line.costNanoUsd), basis: line.basis })), total_usd: formatUsd(awsTotal) },
        managed_instances_break_even_requests_per_month: breakEven.requestsPerMonth,
        net: { projected_with_aws_usd: formatUsd(total.projected + awsTotal), saving_usd: formatUsd(net), saving_percent: percentOf(net, total.today) },
        shapes: {
          by_model: lines(byModel).sort((a, b) => compareUsd(b.today_usd, a.today_usd)),
          by_tier: TIER_KEYS.filter((name) => byTier.has(name)).map((name) => line(name, byTier.get(name)!)),
          by_length: LENGTH_BANDS.filter((name) => byLength.has(name)).map((name) => line(name, byLength.get(name)!)),
        },
        daily: lines(byDay).sort((a, b) => a.key.localeCompare(b.key)),
        assumptions: [
          `Tiers come from the gateway's classifier (${policy.classifier.model === 'rules' ? 'v0 rules' : 'v1'}) under ${options.policyName}; a request without prompt text in the log is counted at what it cost, untagged.`,
          'Today: each request at the list price of the model that answered it. Projected: the first model of its tier\'s chain whose context window holds it, at list price (capabilities such as tools or images are not checked); cached tokens are priced as plain input on a different model (its cache starts cold).',
          'Verification: where the policy verifies a tier, a verifier call reading the rubric, the prompt and the answer, and writing a 40-token verdict.',
          'Markups are a share of the routed (projected) bill: what a gateway charging that markup would add to it.',
          `AWS: ${latencyUnknown === 0 ? 'the logged model latency' : `the logged latency where there is one, else ${aws.defaultLatencyMs} ms (${latencyUnknown} requests)`}; each failed request as one fallback through Step Functions; what AWS bills by the month (dashboard, alarms, metrics, keys, secrets) for ${byDay.size > 0 ? `the ${byDay.size} days the log spans` : 'a month (the log has no timestamps)'}; the stack's template as synthesized with its default settings, or --template; list prices in us-east-1 (lib/aws-prices.ts).`,
          `Lambda Managed Instances: ${breakEven.assumptions.join('; ')}.`,
          ...(unpricedRequests > 0 ? [`${unpricedRequests} requests named models with no list price here (${[...unpricedModels].slice(0, 5).join(', ')}): left out of every sum.`] : []),
        ],
      };
    },
  };
}

const FREE = { id: '', price: compilePrice({ input: '0', output: '0' }) };

function newSums(map: Map<string, Sums>, name: string): Sums {
  const sums = { requests: 0, today: 0n, projected: 0n };
  map.set(name, sums);
  return sums;
}

function line(key: string, sums: Sums): ShapeLine {
  return { key, requests: sums.requests, today_usd: formatUsd(sums.today), projected_usd: formatUsd(sums.projected), saving_usd: formatUsd(sums.today - sums.projected) };
}

const lines = (map: Map<string, Sums>) => [...map].map(([key, sums]) => line(key, sums));
const compareUsd = (a: string, b: string) => (parseUsd(a) < parseUsd(b) ? -1 : a === b ? 0 : 1);

function tierOf(request: AuditRequest, policy: Policy): Tier | null {
  if (request.messages === undefined || request.messages.length === 0) return null;
  return classifyWithPolicy({ messages: request.messages as ChatMessage[], maxTokens: request.maxTokens, toolCount: request.toolCount }, policy).tier;
}

function firstFitting(chain: readonly ModelSpec[], usage: TokenUsage): ModelSpec | undefined {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  return chain.find((model) => model.contextWindow >= prompt + usage.output) ?? chain.find((model) => model.contextWindow >= prompt);
}

function lengthBand(usage: TokenUsage): string {
  const prompt = usage.input + usage.cacheRead + usage.cacheWrite;
  return LENGTH_BANDS[prompt < 500 ? 0 : prompt < 2000 ? 1 : prompt < 8000 ? 2 : prompt < 32_000 ? 3 : 4];
}

/**
 * The list price of a model as a log names it: the policy's own models
 * first, then the price table; tried as named, as an OpenAI or Bedrock model
 * (a dated OpenAI snapshot as its family, a Bedrock ARN by its last part).
 */
export function lookUpPrice(model: string, policy: Pick<Policy, 'models'>): { id: string; price: ModelPrice } | null {
  const bare = model.startsWith('arn:') ? model.slice(model.lastIndexOf('/') + 1) : model;
  const undated = bare.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  const candidates = [model, bare, `openai/${bare}`, `openai/${undated}`, `bedrock/${bare}`, `google/${bare}`];
  for (const id of candidates) {
    const known = policy.models.get(id);
    if (known) return { id, price: known.price };
    const row = PRICE_TABLE[id];
    if (row) return { id, price: compilePrice(row) };
  }
  return null;
}
