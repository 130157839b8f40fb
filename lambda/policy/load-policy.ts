/**
 * Policy: the routing policy in one folder: its schema (`schema.ts`), the resolved
 * types the rest of the gateway reads (`policy.ts`), this loader that
 * validates and resolves a document, the file reader (`policy-file.ts`), the
 * JSON Schema generator, and the default policies per geography with their
 * generated `policy.schema.json`.
 *
 * This file: a policy document validated and resolved for the router.
 */
import type * as z from 'zod/mini';
import { ConfigError } from '../core/base/errors';
import { formatPath } from '../core/base/format-path';
import { parseUsd, type ModelPrice } from '../core/accounting/money';
import { PRICE_TABLE, type PriceRow } from '../core/accounting/price-table';
import { knownRetirement } from './retirements';
import type { Budget, ModelSpec, Policy, ShadowSettings, VerificationSettings } from './policy';
import { BUILT_IN_PROVIDERS, policySchema, providerOf, TIERS, type budgetSchema, type ProviderConfig, type shadowSchema, type Simulation, type Tier, type verificationSchema } from './schema';

export const DEFAULT_RUBRIC =
  "You check another AI assistant's answer to a user's task before the user sees it. Judge whether the answer is correct, " +
  'safe to act on and complete for the task as asked. Do not reward length or style.';

/**
 * Validates a policy document and resolves it for the router. Throws a
 * {@link ConfigError} whose message names every bad field, e.g.
 * `tiers.2[0]: model "x/y" is not listed under "models"`.
 */
export function loadPolicy(document: unknown, origin = 'policy'): Policy {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    // A bad record key (a caller id, a model id) carries its own message inside.
    const messageOf = (issue: z.core.$ZodIssue) => (issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message);
    const problems = parsed.error.issues.map((issue) => `  ${formatPath(issue.path) || '(top level)'}: ${messageOf(issue)}`);
    throw new ConfigError(`Invalid routing policy (${origin}):\n${problems.join('\n')}`);
  }
  const policy = parsed.data;
  const providers: Record<string, ProviderConfig> = { ...BUILT_IN_PROVIDERS, ...policy.providers };
  const models = new Map<string, ModelSpec>();
  for (const [id, model] of Object.entries(policy.models)) {
    const row = model.price ?? PRICE_TABLE[id]!;
    models.set(id, {
      id,
      provider: providerOf(id),
      providerKind: providers[providerOf(id)]!.kind,
      providerModelId: id.slice(id.indexOf('/') + 1),
      contextWindow: model.contextWindow,
      type: model.type,
      maxOutputTokens: model.maxOutputTokens ?? 1,
      outputTokensPerSecond: model.outputTokensPerSecond,
      price: compilePrice(row),
      priceSource: { source: row.source, asOf: row.asOf },
      simulation: model.simulation ?? NO_FAULTS,
      promptCaching: model.promptCaching,
      capabilities: new Set(model.capabilities),
      anthropicBetas: new Set(model.anthropicBetas),
      ...retirementOf(id, model.retiresOn),
      ...(model.api !== undefined ? { api: model.api } : {}),
    });
  }
  const resolve = (ids: readonly string[]): ModelSpec[] => ids.map((id) => models.get(id)!);
  const toVerification = toVerificationOf(models);
  const toShadow = (settings: z.output<typeof shadowSchema>): ShadowSettings => ({
    model: models.get(settings.model)!,
    percent: settings.percent,
    ...(settings.judge === undefined ? {} : { judge: models.get(settings.judge)! }),
  });
  return {
    providers,
    models,
    tiers: { 0: resolve(policy.tiers[0]), 1: resolve(policy.tiers[1]), 2: resolve(policy.tiers[2]), 3: resolve(policy.tiers[3]) },
    flagship: models.get(policy.flagship)!,
    routes: Object.fromEntries(
      Object.entries(policy.routes).map(([name, route]) => [
        name,
        {
          ...route,
          verification: route.verification === undefined || route.verification === false ? route.verification : toVerification(route.verification),
          shadow: route.shadow === undefined || route.shadow === false ? route.shadow : toShadow(route.shadow),
        },
      ]),
    ),
    classifier: policy.classifier,
    verification: Object.fromEntries(
      TIERS.flatMap((tier) => (policy.verification[tier] === undefined ? [] : [[tier, toVerification(policy.verification[tier])]])),
    ) as Partial<Record<Tier, VerificationSettings>>,
    shadow: Object.fromEntries(TIERS.flatMap((tier) => (policy.shadow[tier] === undefined ? [] : [[tier, toShadow(policy.shadow[tier])]]))) as Partial<
      Record<Tier, ShadowSettings>
    >,
    promptCacheTiers: new Set(policy.promptCache),
    aliases: policy.aliases,
    defaultEmbeddingModel: policy.embeddings.default === undefined ? undefined : models.get(policy.embeddings.default),
    callers: policy.callers,
    limits: { ...policy.limits, maxTokens: policy.limits.maxTokens },
    hostedTools: policy.hostedTools,
    fallback: policy.fallback,
    budgets: {
      thresholds: [...policy.budgets.thresholds].sort((a, b) => a - b),
      global: policy.budgets.global ? toBudget('global', undefined, policy.budgets.global) : undefined,
      callers: new Map(
        Object.entries(policy.budgets.callers).map(([callerId, budget]) => [callerId, toBudget(`caller:${callerId}`, callerId, budget)]),
      ),
    },
    admins: new Set(policy.admins),
    feedback: policy.feedback,
  };
}

function toVerificationOf(models: ReadonlyMap<string, ModelSpec>) {
  return (settings: z.output<typeof verificationSchema>): VerificationSettings => ({
    model: models.get(settings.model)!,
    rubric: settings.rubric ?? DEFAULT_RUBRIC,
    passScore: settings.passScore,
    onFail: settings.onFail,
  });
}

function toBudget(id: string, callerId: string | undefined, budget: z.output<typeof budgetSchema>): Budget {
  return {
    id,
    callerId,
    limitNanoUsd: parseUsd(budget.dailyUsd),
    mode: budget.mode,
    downgradeAtPercent: budget.downgradeAtPercent,
    downgradeTier3: budget.downgradeTier3,
  };
}

const NO_FAULTS: Simulation = { latencyMs: 0, failureRate: 0, failures: ['unavailable'] };

/** Cache reads and writes cost the input price unless the row says otherwise; so do a long context's. */
export function compilePrice(row: Pick<PriceRow, 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'longContext'>): ModelPrice {
  const rates = (part: Pick<PriceRow, 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h'>) => {
    const input = parseUsd(part.input);
    const cacheWrite = part.cacheWrite === undefined ? input : parseUsd(part.cacheWrite);
    return {
      input,
      output: parseUsd(part.output),
      cacheRead: part.cacheRead === undefined ? input : parseUsd(part.cacheRead),
      cacheWrite,
      // A provider that lists no one-hour write has none: such writes, if any, bill as writes.
      cacheWrite1h: part.cacheWrite1h === undefined ? cacheWrite : parseUsd(part.cacheWrite1h),
    };
  };
  const long = row.longContext;
  return { ...rates(row), ...(long ? { longContext: { ...rates(long), aboveInputTokens: long.aboveInputTokens } } : {}) };
}

/** The policy's own date for a model, else the provider's known one. */
function retirementOf(id: string, retiresOn: string | undefined): Pick<ModelSpec, 'retirement'> {
  const retirement = retiresOn !== undefined ? { retiresOn, source: 'the policy' } : knownRetirement(id);
  return retirement ? { retirement } : {};
}
