/**
 * The routing policy's schema: `policySchema` is the single source of truth
 * for what a policy file may say. `policy.schema.json` beside the default
 * policies is generated from it (`npm run schema`) for editor support; the
 * cross-field rules are checked here too, so `loadPolicy` only resolves.
 */
import * as z from 'zod/mini';
import '../core/base/zod-english';
import { PROVIDER_FAILURE_KINDS } from '../core/base/errors';
import { parseUsd } from '../core/accounting/money';
import { PRICE_TABLE } from '../core/accounting/price-table';

export const TIERS = [0, 1, 2, 3] as const;

/** Well below what Bedrock's and OpenAI's models sustain (40 to 200 tokens a second), so a slow day is not a timeout. */
export const DEFAULT_OUTPUT_TOKENS_PER_SECOND = 20;

/** What a request may need of a model beyond text. */
export const CAPABILITIES = ['json', 'tools', 'vision', 'reasoning'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type Tier = (typeof TIERS)[number];

/** Providers every policy has without declaring them. */
export const BUILT_IN_PROVIDERS: Readonly<Record<'bedrock' | 'mock', ProviderConfig>> = {
  bedrock: { kind: 'bedrock' },
  mock: { kind: 'mock', latencyMs: 0 },
};

const MODEL_ID = /^[a-z0-9][a-z0-9-]*\/\S+$/;
const ALIAS = /^[A-Za-z0-9][A-Za-z0-9._:-]*\*?$/;
const ALIAS_TARGETS = ['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3'];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const NAME = /^[a-z0-9][a-z0-9-_]*$/;
/** As `callerIdForKey` makes them, or as `callerIdForPrincipal` names an IAM user or role. */
/** A key's or an IAM principal's caller id, or the operator's own experiments (shadow and judge calls: lambda/core/features/shadow.ts). */
const CALLER_ID = /^(?:key:[0-9a-f]{16}|arn:aws[a-z-]*:iam::\d{12}:(?:user|role)\/\S+|operator:experiments)$/;

const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));
const modelId = z.string().check(z.regex(MODEL_ID, 'must look like "<provider>/<model>", e.g. "bedrock/amazon.nova-lite-v1:0"'));
const positiveInt = z.int().check(z.positive());
const callerId = z.string().check(
  z.regex(
    CALLER_ID,
    'must be a caller id: "key:" and 16 lower-case hex digits (printf %s "$KEY" | sha256sum | cut -c1-16), e.g. "key:3f2a9c0d1b7e4a55", ' +
      'or an IAM role\'s or user\'s ARN, e.g. "arn:aws:iam::123456789012:role/app" (an assumed role\'s sessions count as the role), ' +
      'or "operator:experiments" (shadow and judge calls)',
  ),
);
/** A decimal string `parseUsd` takes: never negative, at most nine decimals. */
const usdAmount = (message: string) =>
  z.string().check(
    z.refine((text) => {
      try {
        parseUsd(text);
        return true;
      } catch {
        return false;
      }
    }, message),
  );
const usd = usdAmount('must be a USD amount per million tokens written as a decimal string, e.g. "0.035"');
const dailyUsd = usdAmount('must be a USD amount per day written as a decimal string, e.g. "25"; it cannot be negative, and has at most 9 decimals');

const priceRowSchema = z.strictObject({
  input: usd,
  output: usd,
  cacheRead: z.optional(usd),
  cacheWrite: z.optional(described(usd, 'A cache write that lives five minutes')),
  cacheWrite1h: z.optional(described(usd, 'A cache write that lives an hour (Claude\'s ttl "1h"); defaults to cacheWrite')),
  longContext: z.optional(
    described(
      z.strictObject({ aboveInputTokens: positiveInt, input: usd, output: usd, cacheRead: z.optional(usd), cacheWrite: z.optional(usd), cacheWrite1h: z.optional(usd) }),
      'Rates the whole request pays once its prompt (input plus cached tokens) is over aboveInputTokens, e.g. Claude Sonnet 4.5 over 200k',
    ),
  ),
  source: described(z.string().check(z.minLength(1)), 'Where the price was read: a URL, or "self-hosted"'),
  asOf: described(z.iso.date(), 'The day the price was read, YYYY-MM-DD'),
});

export const providerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('openai-compatible'),
    baseUrl: described(z.url({ protocol: /^https?$/ }), 'Base URL up to and including /v1, e.g. https://api.openai.com/v1'),
    apiKeyName: z.optional(
      described(
        z.string().check(z.regex(ENV_NAME, 'must be an UPPER_SNAKE_CASE name such as OPENAI_API_KEY')),
        'Field of the provider secret (in AWS) or environment variable (locally) holding the key',
      ),
    ),
    promptCacheKey: z._default(
      described(z.boolean(), "Send a caller's prompt_cache_key on (OpenAI takes it; a host that refuses unknown fields does not); otherwise it is named in x-switchyard-adjusted"),
      false,
    ),
    outputCapField: z._default(
      described(
        z.enum(['max_completion_tokens', 'max_tokens']),
        "The field the host honours as the output cap: OpenAI's max_completion_tokens (its reasoning models refuse max_tokens), or max_tokens for hosts that ignore the newer field. A stream that runs a quarter past the cap is cut either way",
      ),
      'max_completion_tokens',
    ),
  }),
  z.strictObject({
    kind: z.literal('bedrock'),
    region: z.optional(described(z.string().check(z.minLength(1)), 'Defaults to the region the router runs in')),
  }),
  z.strictObject({
    kind: z.literal('mock'),
    latencyMs: z._default(z.int().check(z.gte(0), z.lte(60_000)), 0),
  }),
]);

export const simulationSchema = z.strictObject({
  latencyMs: z._default(z.int().check(z.gte(0), z.lte(60_000)), 0),
  failureRate: z._default(described(z.number().check(z.gte(0), z.lte(1)), 'Share of simulated calls that fail'), 0),
  failures: z._default(
    described(z.array(z.enum(PROVIDER_FAILURE_KINDS)).check(z.minLength(1)), 'Failure kinds to draw from, evenly'),
    ['unavailable'],
  ),
  reply: z.optional(
    described(z.string().check(z.minLength(1), z.maxLength(10_000)), "What the mock answers instead of its note: e.g. a verifier's JSON, to script a test or a demo"),
  ),
  script: z.optional(
    described(
      z
        .array(
          z.union([
            z.strictObject({ reply: z.string().check(z.minLength(1), z.maxLength(10_000)) }),
            z.strictObject({
              toolCall: z.strictObject({ name: z.string().check(z.minLength(1)), arguments: z._default(z.record(z.string(), z.unknown()), {}) }),
            }),
          ]),
        )
        .check(z.minLength(1), z.maxLength(100)),
      'A scripted session: step N answers the turn that follows N assistant messages, with a reply or a call of a tool the request offers (arguments filled in from its schema where left out); past the last step the mock answers in text',
    ),
  ),
});

const modelSchema = z.strictObject({
  type: z._default(described(z.enum(['chat', 'embedding']), 'What the model does: chat (the tiers) or embedding (POST /v1/embeddings)'), 'chat'),
  contextWindow: described(positiveInt, 'Input plus output tokens the model accepts (an embedding model: input tokens per text)'),
  maxOutputTokens: z.optional(described(positiveInt, 'Required for chat models')),
  outputTokensPerSecond: z._default(
    described(
      positiveInt.check(z.lte(10_000)),
      'The slowest rate, in output tokens a second, to wait for this model to write at: an attempt may take its first-token wait plus max_tokens at this rate',
    ),
    DEFAULT_OUTPUT_TOKENS_PER_SECOND,
  ),
  price: z.optional(described(priceRowSchema, 'Overrides the built-in price table row for this model')),
  simulation: z.optional(described(simulationSchema, 'How the mock provider behaves when it stands in for this model')),
  api: z.optional(
    described(
      z.enum(['converse', 'messages']),
      "Bedrock only: the API a Messages request for this model goes through. Default: messages (Bedrock's own Anthropic Messages API, fields as sent) for Claude 5 and later, converse otherwise",
    ),
  ),
  retiresOn: z.optional(
    described(z.iso.date(), "The day the provider retires this model, YYYY-MM-DD: npm start, cdk synth and doctor warn once it has passed. Overrides Switchyard's own table"),
  ),
  promptCaching: z._default(
    described(z.boolean(), 'Whether the provider caches a marked prompt prefix for this model (a Bedrock cachePoint); reads then bill at the cache-read price'),
    false,
  ),
  anthropicBetas: z._default(
    described(
      z.array(z.string().check(z.regex(/^[a-z0-9-]+$/, 'must be an anthropic-beta flag such as "context-1m-2025-08-07"'))),
      'anthropic-beta flags this model accepts: forwarded to it (Bedrock: additionalModelRequestFields.anthropic_beta); others a client sends are dropped and named in x-switchyard-dropped-betas',
    ),
    [],
  ),
  capabilities: z._default(
    described(
      z.array(z.enum(CAPABILITIES)),
      'What the model can do beyond text: "json" (response_format json_object and json_schema), "tools" (tool calling), "vision" (image input), "reasoning" (reasoning_effort, Claude thinking)',
    ),
    [],
  ),
});

export const fallbackSchema = z.strictObject({
  attemptTimeoutSeconds: z._default(
    described(
      z.int().check(z.gte(1), z.lte(900)),
      "Longest wait for a provider's first token (or, streaming, for its next one): past it the provider counts as hung, so it is retried and counted against its circuit. An answer then has its model's outputTokensPerSecond to finish",
    ),
    15,
  ),
  retry: z.prefault(
    z.strictObject({
      maxAttempts: z._default(described(z.int().check(z.gte(0), z.lte(5)), 'Retries of one candidate after its first failure'), 2),
      intervalSeconds: z._default(z.int().check(z.gte(1), z.lte(10)), 1),
      backoffRate: z._default(z.number().check(z.gte(1), z.lte(4)), 2),
      maxDelaySeconds: z._default(z.int().check(z.gte(1), z.lte(30)), 4),
    }),
    {},
  ),
  circuitBreaker: z.prefault(
    z.strictObject({
      failureThreshold: z._default(described(positiveInt.check(z.lte(1000)), 'Consecutive failures that open the circuit'), 5),
      cooldownSeconds: z._default(described(positiveInt.check(z.lte(3600)), 'How long an open circuit skips the model'), 30),
    }),
    {},
  ),
});

const tierSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
const probability = (description: string) => z.optional(described(z.number().check(z.gte(0), z.lte(1)), description));
const thresholdsSchema = described(
  z.strictObject({
    tier_1_or_more: probability('P(tier 1 or more) at or above which a request is not trivial; lower sends fewer requests to tier 0'),
    tier_2_or_more: probability('P(tier 2 or more), the strong model is needed, at or above which a request goes to tier 2; lower buys quality with cost'),
    tier_3: probability('P(tier 3) at or above which a request is high-stakes; lower catches more, at more flagship calls'),
  }),
  "Classifier v1's thresholds, one per score; each left out keeps the trained default (POST /v1/route shows the scores)",
);
export const verificationSchema = z.strictObject({
  model: described(modelId, 'The verifier: a chat model listed under models, usually cheaper than the answering one'),
  rubric: z.optional(
    described(z.string().check(z.minLength(1), z.maxLength(4000)), 'What the verifier checks the answer against; the default asks for a correct, safe and complete answer'),
  ),
  passScore: z._default(described(z.number().check(z.gte(0), z.lte(1)), "The verifier's score from 0 to 1 at or above which the answer passes"), 0.7),
  onFail: z._default(
    described(
      z.enum(['retry-next', 'escalate', 'warn', 'error']),
      "retry-next: ask the chain's next candidates in turn, verifying each; escalate: answer from the next tier's chain instead (a cascade: tiers 0 to 2 only, non-streamed answers); " +
        'warn: answer with x-switchyard-verified: fail; error: a 502 that says verification failed',
    ),
    'retry-next',
  ),
});

export const shadowSchema = z.strictObject({
  model: described(modelId, 'The candidate: a chat model listed under models, sent a share of the requests off the response path'),
  percent: described(z.number().check(z.gt(0), z.lte(100)), 'The share of requests, in percent, also sent to the candidate'),
  judge: z.optional(described(modelId, 'A model that compares the two answers and records a win, tie or loss for the candidate')),
});

const chainSchema = z.array(modelId).check(z.minLength(1, 'needs at least one model'), z.maxLength(8));

/**
 * Lambda takes at most 6 MB of request payload, and the body travels inside the
 * API Gateway event as an escaped JSON string: 5 MiB leaves room for the escapes
 * and the event's headers. A long agent session is far below it.
 */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

const limitsSchema = z.strictObject({
  maxBodyBytes: z._default(
    described(positiveInt.check(z.lte(10 * 1024 * 1024)), "Largest request body in bytes; the default fits Lambda's 6 MB request payload with the event around it"),
    DEFAULT_MAX_BODY_BYTES,
  ),
  maxMessages: z._default(described(positiveInt.check(z.lte(1_000_000)), 'Most messages one request may carry; the body limit bounds them first by default'), 100_000),
  maxTokens: z.optional(
    described(positiveInt, "Largest max_tokens a caller may ask for; left out, each model's own maxOutputTokens is the cap"),
  ),
  defaultMaxTokens: z._default(described(positiveInt, 'max_tokens used when the caller sets none'), 4096),
});

export const budgetSchema = z.strictObject({
  dailyUsd: described(dailyUsd, 'The daily budget in USD, e.g. "25"'),
  mode: z._default(
    described(z.enum(['alert', 'downgrade', 'block']), 'alert: notify only; downgrade: route to cheaper tiers near the cap; block: refuse at the cap'),
    'alert',
  ),
  downgradeAtPercent: z._default(z.int().check(z.gte(1), z.lte(100)), 80),
  downgradeTier3: z._default(described(z.boolean(), 'Whether a downgrade may also move tier 3 to tier 2'), false),
});

const budgetsSchema = z.strictObject({
  thresholds: z._default(
    described(z.array(z.int().check(z.gte(1), z.lte(1000))).check(z.minLength(1)), 'Percentages of a budget that each alert once a day'),
    [50, 80, 100],
  ),
  global: z.optional(budgetSchema),
  callers: z._default(described(z.record(callerId, budgetSchema), 'Budgets per caller id'), {}),
});

export const policySchema = z
  .strictObject({
    $schema: z.optional(z.string()),
    version: z.literal(1),
    providers: z._default(z.record(z.string().check(z.regex(NAME)), providerSchema), {}),
    models: z.record(modelId, modelSchema),
    tiers: z.strictObject({ '0': chainSchema, '1': chainSchema, '2': chainSchema, '3': chainSchema }),
    flagship: described(modelId, 'The always-flagship counterfactual that savings are measured against'),
    routes: z._default(
      described(
        z.record(
          z.string().check(z.regex(NAME)),
          z.strictObject({
            tier: z.optional(described(tierSchema, "The route's tier; without one, the classifier picks it with the route's thresholds")),
            thresholds: z.optional(thresholdsSchema),
            verification: z.optional(described(z.union([verificationSchema, z.literal(false)]), "This route's verification pass, or false for none; overrides its tier's")),
            shadow: z.optional(described(z.union([shadowSchema, z.literal(false)]), "This route's shadow traffic, or false for none; overrides its tier's")),
            promptCache: z.optional(described(z.boolean(), "Mark this route's prompt prefix for caching; overrides the tier's setting")),
            aliases: z.optional(
              described(
                z.record(z.string().check(z.regex(ALIAS, 'must be a model name, or a family such as "claude-*"')), z.string().check(z.minLength(1))),
                'Aliases for this route, looked up before the policy\'s: e.g. {"claude-*": "auto"} lets the classifier pick for every Claude name',
              ),
            ),
          }),
        ),
        'Named routes, chosen with the x-switchyard-route header',
      ),
      {},
    ),
    aliases: z._default(
      described(
        z.record(
          z.string().check(z.regex(ALIAS, 'must be a model name such as "claude-sonnet-4-5", or a family such as "claude-*"')),
          z.string().check(z.minLength(1)),
        ),
        'Model names clients send (Claude Code sends "claude-sonnet-4-5-20250929") and what serves them: a model id, "tier-0".."tier-3" or "auto". A name ending in "*" matches every name it begins',
      ),
      {},
    ),
    embeddings: z.prefault(
      z.strictObject({ default: z.optional(described(modelId, 'The embedding model "auto" means on POST /v1/embeddings')) }),
      {},
    ),
    verification: z._default(
      described(
        z.strictObject({ '0': z.optional(verificationSchema), '1': z.optional(verificationSchema), '2': z.optional(verificationSchema), '3': z.optional(verificationSchema) }),
        'A verification pass per tier: a second model checks the answer (x-switchyard-verified)',
      ),
      {},
    ),
    shadow: z._default(
      described(
        z.strictObject({ '0': z.optional(shadowSchema), '1': z.optional(shadowSchema), '2': z.optional(shadowSchema), '3': z.optional(shadowSchema) }),
        'Shadow traffic per tier: a share of requests also sent to a candidate model, to compare before a switch',
      ),
      {},
    ),
    classifier: z.prefault(
      described(
        z.strictObject({
          model: z._default(described(z.enum(['trained', 'rules']), 'trained: classifier v1 with its scores; rules: classifier v0, rules alone'), 'trained'),
          thresholds: z._default(thresholdsSchema, {}),
        }),
        'How "auto" picks a tier when no header, route or caller default decides',
      ),
      {},
    ),
    promptCache: z._default(
      described(z.array(tierSchema), 'Tiers whose requests mark their prompt prefix for caching, on models with promptCaching'),
      [],
    ),
    callers: z._default(
      described(
        z.record(callerId, z.strictObject({ defaultTier: tierSchema })),
        'Per-caller defaults, keyed by caller id as recorded in the ledger',
      ),
      {},
    ),
    limits: z.prefault(limitsSchema, {}),
    hostedTools: z._default(
      described(
        z.enum(['drop', 'refuse']),
        "Tools a provider would run itself (Responses web_search, Anthropic server tools), which no model here runs: drop them and name them in x-switchyard-dropped-tools, or refuse the request with a 400",
      ),
      'drop',
    ),
    fallback: z.prefault(described(fallbackSchema, 'Retries with backoff on Step Functions, and circuit breaking'), {}),
    budgets: z.prefault(described(budgetsSchema, 'Daily budgets: alerts on SNS, and optionally brownouts or hard caps'), {}),
    admins: z._default(described(z.array(callerId), 'Caller ids that may read every caller\'s usage'), []),
    feedback: z.prefault(
      described(
        z.strictObject({
          storeComments: z._default(described(z.boolean(), 'Keep the free-text comment of POST /v1/feedback (never logged); off by default, since it may hold personal data'), false),
        }),
        'POST /v1/feedback: scores on answers, per route and model',
      ),
      {},
    ),
  })
  .check(
    z.superRefine((policy, context) => {
      const providers: Record<string, unknown> = { ...BUILT_IN_PROVIDERS, ...policy.providers };
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
      const chat = (path: (string | number)[], id: string): void => {
        known(path, id);
        if (policy.models[id]?.type === 'embedding') context.addIssue({ code: 'custom', path, message: `"${id}" is an embedding model: chains and the flagship take chat models` });
      };
      for (const tier of TIERS) policy.tiers[tier].forEach((id, index) => chat(['tiers', String(tier), index], id));
      chat(['flagship'], policy.flagship);
      for (const tier of TIERS) {
        const verifier = policy.verification[tier]?.model;
        if (verifier !== undefined) chat(['verification', String(tier), 'model'], verifier);
      }
      if (policy.verification[3]?.onFail === 'escalate') {
        context.addIssue({ code: 'custom', path: ['verification', '3', 'onFail'], message: '"escalate" answers from the next tier up, and tier 3 has none: use "retry-next", "warn" or "error"' });
      }
      const shadowModels = (path: (string | number)[], shadow: z.output<typeof shadowSchema> | false | undefined) => {
        if (!shadow) return;
        chat([...path, 'model'], shadow.model);
        if (shadow.judge !== undefined) chat([...path, 'judge'], shadow.judge);
      };
      for (const tier of TIERS) shadowModels(['shadow', String(tier)], policy.shadow[tier]);
      for (const [name, route] of Object.entries(policy.routes)) {
        if (route.verification) chat(['routes', name, 'verification', 'model'], route.verification.model);
        if (route.verification && route.verification.onFail === 'escalate') {
          context.addIssue({ code: 'custom', path: ['routes', name, 'verification', 'onFail'], message: '"escalate" moves a request up the tiers, and a route has no tier above it: set it on the tier\'s verification instead' });
        }
        shadowModels(['routes', name, 'shadow'], route.shadow);
      }
      for (const [id, model] of Object.entries(policy.models)) {
        if (model.type === 'chat' && model.maxOutputTokens === undefined) {
          context.addIssue({ code: 'custom', path: ['models', id, 'maxOutputTokens'], message: 'is required for a chat model: the most tokens it writes in one answer' });
        }
      }
      const defaultEmbedding = policy.embeddings.default;
      if (defaultEmbedding !== undefined) {
        known(['embeddings', 'default'], defaultEmbedding);
        if (policy.models[defaultEmbedding] && policy.models[defaultEmbedding].type !== 'embedding') {
          context.addIssue({ code: 'custom', path: ['embeddings', 'default'], message: `"${defaultEmbedding}" is not an embedding model: give it "type": "embedding"` });
        }
      }
      const aliasMaps: [(string | number)[], Record<string, string>][] = [
        [['aliases'], policy.aliases],
        ...Object.entries(policy.routes).map(([name, route]): [(string | number)[], Record<string, string>] => [['routes', name, 'aliases'], route.aliases ?? {}]),
      ];
      for (const [path, aliases] of aliasMaps) {
        for (const [alias, target] of Object.entries(aliases)) {
          if (!(target in policy.models) && !ALIAS_TARGETS.includes(target)) {
            context.addIssue({ code: 'custom', path: [...path, alias], message: `"${target}" is neither a model listed under "models" nor one of ${ALIAS_TARGETS.join(', ')}` });
          }
        }
      }
      for (const [name, route] of Object.entries(policy.routes)) {
        if (route.tier !== undefined && route.thresholds !== undefined) {
          context.addIssue({ code: 'custom', path: ['routes', name, 'thresholds'], message: 'thresholds apply only to a route without a tier: remove one of the two' });
        }
      }
      if (policy.limits.maxTokens !== undefined && policy.limits.defaultMaxTokens > policy.limits.maxTokens) {
        context.addIssue({ code: 'custom', path: ['limits', 'defaultMaxTokens'], message: 'must not exceed limits.maxTokens' });
      }
    }),
  );

export type PolicyDocument = z.input<typeof policySchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type Simulation = z.output<typeof simulationSchema>;
export type BudgetMode = z.output<typeof budgetSchema>['mode'];
export type FallbackSettings = z.output<typeof fallbackSchema>;

/** The provider of a policy model id: the part before the slash. */
export function providerOf(modelId: string): string {
  return modelId.slice(0, modelId.indexOf('/'));
}
