/**
 * The routing policy as the router, the CDK app and the tools use it, once
 * `loadPolicy` has validated and resolved a policy file: models with their
 * prices and limits, chains per tier, routes, budgets. Types only.
 */
import type { ModelPrice } from '../core/accounting/money';
import type { PriceRow } from '../core/accounting/price-table';
import type { Retirement } from './retirements';
import type { Capability, FallbackSettings, ProviderConfig, Simulation, BudgetMode, Tier } from './schema';

/** A model as the router uses it: its provider, limits and price resolved. */
export interface ModelSpec {
  /** Policy id, `<provider>/<provider model id>`. */
  readonly id: string;
  readonly provider: string;
  readonly providerKind: ProviderConfig['kind'];
  readonly type: 'chat' | 'embedding';
  /** The id the provider's API knows, e.g. `amazon.nova-lite-v1:0`. */
  readonly providerModelId: string;
  readonly contextWindow: number;
  readonly maxOutputTokens: number;
  /** The slowest generation rate waited for: what an attempt's time limit is scaled by. */
  readonly outputTokensPerSecond: number;
  readonly price: ModelPrice;
  readonly priceSource: Pick<PriceRow, 'source' | 'asOf'>;
  /** How the mock behaves when it stands in for this model. */
  readonly simulation: Simulation;
  /** Bedrock: the API Messages requests for it go through, when the policy says; the adapter's rule otherwise. */
  readonly api?: 'converse' | 'messages' | undefined;
  /** When the model stops answering, where that is known: `npm start`, synth and `doctor` warn once it has. */
  readonly retirement?: Retirement | undefined;
  /** The provider caches a marked prompt prefix (a Bedrock cachePoint). */
  readonly promptCaching: boolean;
  readonly capabilities: ReadonlySet<Capability>;
  /** anthropic-beta flags forwarded to this model. */
  readonly anthropicBetas: ReadonlySet<string>;
}


/** A daily budget as the router and the rollup use it. */
export interface Budget {
  /** `global`, or `caller:<caller id>`. */
  readonly id: string;
  /** The caller it limits; undefined for the global budget. */
  readonly callerId: string | undefined;
  readonly limitNanoUsd: bigint;
  readonly mode: BudgetMode;
  readonly downgradeAtPercent: number;
  readonly downgradeTier3: boolean;
  /** A managed key's own budget, changed with `npx switchyard keys update`, not in the policy. @default false */
  readonly managedKey?: boolean;
}

export interface Budgets {
  readonly thresholds: readonly number[];
  readonly global: Budget | undefined;
  readonly callers: ReadonlyMap<string, Budget>;
}

export interface Limits {
  readonly maxBodyBytes: number;
  readonly maxMessages: number;
  /** The policy's own cap on max_tokens; none means each model's maxOutputTokens. */
  readonly maxTokens: number | undefined;
  readonly defaultMaxTokens: number;
}

/** Thresholds on classifier v1's scores; a missing one keeps the trained default. */
export interface ClassifierThresholds {
  readonly tier_1_or_more?: number | undefined;
  readonly tier_2_or_more?: number | undefined;
  readonly tier_3?: number | undefined;
}

/** A verification pass as the router runs it. */
export interface VerificationSettings {
  readonly model: ModelSpec;
  readonly rubric: string;
  readonly passScore: number;
  /** `escalate`: a failed check answers from the next tier's chain (a cascade: the cheap model answers first, the strong one only when its answer fails). */
  readonly onFail: 'retry-next' | 'escalate' | 'warn' | 'error';
}

/** Shadow traffic as the router runs it. */
export interface ShadowSettings {
  readonly model: ModelSpec;
  readonly percent: number;
  readonly judge?: ModelSpec | undefined;
}

export interface Route {
  /** Without a tier, the classifier picks one with the route's thresholds. */
  readonly tier?: Tier | undefined;
  readonly thresholds?: ClassifierThresholds | undefined;
  /** `false` turns off the tier's verification for this route. */
  readonly verification?: VerificationSettings | false | undefined;
  /** `false` turns off the tier's shadow traffic for this route. */
  readonly shadow?: ShadowSettings | false | undefined;
  readonly promptCache?: boolean | undefined;
  readonly aliases?: Readonly<Record<string, string>> | undefined;
}

export interface Policy {
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly models: ReadonlyMap<string, ModelSpec>;
  readonly tiers: Readonly<Record<Tier, readonly ModelSpec[]>>;
  readonly flagship: ModelSpec;
  readonly routes: Readonly<Record<string, Route>>;
  readonly classifier: { readonly model: 'trained' | 'rules'; readonly thresholds: ClassifierThresholds };
  /** Verification per tier; routes may override it. */
  readonly verification: Readonly<Partial<Record<Tier, VerificationSettings>>>;
  /** Shadow traffic per tier; routes may override it. */
  readonly shadow: Readonly<Partial<Record<Tier, ShadowSettings>>>;
  /** Tiers whose requests mark their prompt prefix for caching. */
  readonly promptCacheTiers: ReadonlySet<Tier>;
  /** The embedding model `auto` means on `POST /v1/embeddings`, if any. */
  readonly defaultEmbeddingModel: ModelSpec | undefined;
  /** Model names clients send, and what serves them (a model id, `tier-N` or `auto`); keys ending in `*` match a family. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly callers: Readonly<Record<string, { readonly defaultTier: Tier }>>;
  readonly limits: Limits;
  /** What to do with hosted tools no model here runs: drop and name them, or refuse the request. */
  readonly hostedTools: 'drop' | 'refuse';
  readonly fallback: FallbackSettings;
  readonly budgets: Budgets;
  readonly admins: ReadonlySet<string>;
  readonly feedback: { readonly storeComments: boolean };
}
