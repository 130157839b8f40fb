/**
 * The routing policy: typed, validated data shared by the router, the CDK app
 * and the tools, so their behaviour cannot drift apart.
 *
 * `policySchema` is the single source of truth. `policy.schema.json` beside the
 * default policy is generated from it (`npm run schema`) for editor support.
 */
import { z } from 'zod';
import { ConfigError } from './errors';
import { parseUsd, type ModelPrice } from './money';
import { PRICE_TABLE, type PriceRow } from './price-table';

export const TIERS = [0, 1, 2, 3] as const;
export type Tier = (typeof TIERS)[number];

/** Providers every policy has without declaring them. */
export const BUILT_IN_PROVIDERS: Readonly<Record<'bedrock' | 'mock', ProviderConfig>> = {
  bedrock: { kind: 'bedrock' },
  mock: { kind: 'mock', latencyMs: 0 },
};

const MODEL_ID = /^[a-z0-9][a-z0-9-]*\/\S+$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

const modelId = z.string().regex(MODEL_ID, 'must look like "<provider>/<model>", e.g. "bedrock/amazon.nova-lite-v1:0"');
const positiveInt = z.number().int().positive();
const usd = z.string().refine((text) => {
  try {
    parseUsd(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a USD amount per million tokens written as a decimal string, e.g. "0.035"');

const priceRowSchema = z.strictObject({
  input: usd,
  output: usd,
  cacheRead: usd.optional(),
  cacheWrite: usd.optional(),
  source: z.string().min(1).describe('Where the price was read: a URL, or "self-hosted"'),
  asOf: z.iso.date().describe('The day the price was read, YYYY-MM-DD'),
});

const providerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('openai-compatible'),
    baseUrl: z.url({ protocol: /^https?$/ }).describe('Base URL up to and including /v1, e.g. https://api.openai.com/v1'),
    apiKeyName: z
      .string()
      .regex(ENV_NAME, 'must be an UPPER_SNAKE_CASE name such as OPENAI_API_KEY')
      .optional()
      .describe('Field of the provider secret (in AWS) or environment variable (locally) holding the key'),
  }),
  z.strictObject({
    kind: z.literal('bedrock'),
    region: z.string().min(1).optional().describe('Defaults to the region the router runs in'),
  }),
  z.strictObject({
    kind: z.literal('mock'),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
  }),
]);

const modelSchema = z.strictObject({
  contextWindow: positiveInt.describe('Input plus output tokens the model accepts'),
  maxOutputTokens: positiveInt,
  price: priceRowSchema.optional().describe('Overrides the built-in price table row for this model'),
});

const tierSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
const chainSchema = z.array(modelId).min(1, 'needs at least one model').max(8);

export const policySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), providerSchema).default({}),
    models: z.record(modelId, modelSchema),
    tiers: z.strictObject({ '0': chainSchema, '1': chainSchema, '2': chainSchema, '3': chainSchema }),
    flagship: modelId.describe('The always-flagship counterfactual that savings are measured against'),
    routes: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-_]*$/), z.strictObject({ tier: tierSchema }))
      .default({})
      .describe('Named routes, chosen with the x-switchyard-route header'),
    callers: z
      .record(z.string().min(1), z.strictObject({ defaultTier: tierSchema }))
      .default({})
      .describe('Per-caller defaults, keyed by caller id as recorded in the ledger'),
    limits: z
      .strictObject({
        maxBodyBytes: positiveInt.max(10 * 1024 * 1024).default(1024 * 1024),
        maxMessages: positiveInt.max(10_000).default(256),
        maxTokens: positiveInt.default(16_384).describe('Largest max_tokens a caller may ask for'),
        defaultMaxTokens: positiveInt.default(4096).describe('max_tokens used when the caller sets none'),
      })
      .prefault({}),
  })
  .superRefine((policy, context) => {
    const providers = { ...BUILT_IN_PROVIDERS, ...policy.providers };
    for (const id of Object.keys(policy.models)) {
      const provider = providerOf(id);
      if (!(provider in providers)) {
        context.addIssue({
          code: 'custom',
          path: ['models', id],
          message: `provider "${provider}" is not defined: add it under "providers" or use one of ${Object.keys(providers).join(', ')}`,
        });
      }
      if (!policy.models[id]!.price && !(id in PRICE_TABLE)) {
        context.addIssue({
          code: 'custom',
          path: ['models', id, 'price'],
          message: 'no list price for this model in the price table: add "price" with input, output, source and asOf',
        });
      }
    }
    const known = (path: (string | number)[], id: string): void => {
      if (!(id in policy.models)) {
        context.addIssue({ code: 'custom', path, message: `model "${id}" is not listed under "models"` });
      }
    };
    for (const tier of TIERS) policy.tiers[tier].forEach((id, index) => known(['tiers', String(tier), index], id));
    known(['flagship'], policy.flagship);
    if (policy.limits.defaultMaxTokens > policy.limits.maxTokens) {
      context.addIssue({
        code: 'custom',
        path: ['limits', 'defaultMaxTokens'],
        message: 'must not exceed limits.maxTokens',
      });
    }
  });

export type PolicyDocument = z.input<typeof policySchema>;
export type ProviderConfig = z.output<typeof providerSchema>;

/** A model as the router uses it: its provider, limits and price resolved. */
export interface ModelSpec {
  /** Policy id, `<provider>/<provider model id>`. */
  readonly id: string;
  readonly provider: string;
  /** The id the provider's API knows, e.g. `amazon.nova-lite-v1:0`. */
  readonly providerModelId: string;
  readonly contextWindow: number;
  readonly maxOutputTokens: number;
  readonly price: ModelPrice;
  readonly priceSource: Pick<PriceRow, 'source' | 'asOf'>;
}

export interface Limits {
  readonly maxBodyBytes: number;
  readonly maxMessages: number;
  readonly maxTokens: number;
  readonly defaultMaxTokens: number;
}

export interface Policy {
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly tiers: Readonly<Record<Tier, readonly ModelSpec[]>>;
  readonly flagship: ModelSpec;
  readonly routes: Readonly<Record<string, { readonly tier: Tier }>>;
  readonly callers: Readonly<Record<string, { readonly defaultTier: Tier }>>;
  readonly limits: Limits;
}

export function providerOf(modelId: string): string {
  return modelId.slice(0, modelId.indexOf('/'));
}

/**
 * Validates a policy document and resolves it for the router. Throws a
 * {@link ConfigError} whose message names every bad field, e.g.
 * `tiers.2[0]: model "x/y" is not listed under "models"`.
 */
export function loadPolicy(document: unknown, origin = 'policy'): Policy {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${formatPath(issue.path)}: ${issue.message}`);
    throw new ConfigError(`Invalid routing policy (${origin}):\n${problems.join('\n')}`);
  }
  const policy = parsed.data;
  const models = new Map<string, ModelSpec>();
  for (const [id, model] of Object.entries(policy.models)) {
    const row = model.price ?? PRICE_TABLE[id]!;
    models.set(id, {
      id,
      provider: providerOf(id),
      providerModelId: id.slice(id.indexOf('/') + 1),
      contextWindow: model.contextWindow,
      maxOutputTokens: model.maxOutputTokens,
      price: compilePrice(row),
      priceSource: { source: row.source, asOf: row.asOf },
    });
  }
  const resolve = (ids: readonly string[]): ModelSpec[] => ids.map((id) => models.get(id)!);
  return {
    providers: { ...BUILT_IN_PROVIDERS, ...policy.providers },
    models,
    tiers: { 0: resolve(policy.tiers[0]), 1: resolve(policy.tiers[1]), 2: resolve(policy.tiers[2]), 3: resolve(policy.tiers[3]) },
    flagship: models.get(policy.flagship)!,
    routes: policy.routes,
    callers: policy.callers,
    limits: policy.limits,
  };
}

/** Cache reads and writes cost the input price unless the row says otherwise. */
export function compilePrice(row: Pick<PriceRow, 'input' | 'output' | 'cacheRead' | 'cacheWrite'>): ModelPrice {
  const input = parseUsd(row.input);
  return {
    input,
    output: parseUsd(row.output),
    cacheRead: row.cacheRead === undefined ? input : parseUsd(row.cacheRead),
    cacheWrite: row.cacheWrite === undefined ? input : parseUsd(row.cacheWrite),
  };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}
