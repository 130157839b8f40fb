/**
 * Managed API keys: created, rotated and revoked with `npx switchyard keys`,
 * stored as a SHA-256 hash with their limits, and checked by the authorizer
 * (and the local gateway) on every request.
 *
 * A key reads `sy-<id>-<secret>`: the id (16 hex digits) finds the record in
 * one read, and is the caller id (`key:<id>`) that budgets, usage and the
 * ledger name, so rotating the secret keeps the caller's history. The secret
 * is 32 random bytes: a plain SHA-256 of the key is as strong as a slow hash
 * for a secret nobody chose.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { CallerError } from '../base/errors';
import { parseUsd } from '../accounting/money';
import type { Budget, Policy } from '../../policy/policy';
import { TIERS, type BudgetMode, type Tier } from '../../policy/schema';
import type { RoutingDecision } from '../routing/decide-route';

const KEY_PATTERN = /^sy-([0-9a-f]{16})-[A-Za-z0-9_-]{43}$/;
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** A key's daily budget: the same modes as the policy's budgets, counted under the key's caller id. */
export interface KeyBudget {
  readonly usd: string;
  readonly mode: BudgetMode;
}

/** What a key may do. Every limit is optional; none means the policy's defaults. */
export interface KeyLimits {
  /** The highest tier the key's requests are routed to; an explicit ask above it is refused. */
  readonly maxTier?: Tier | undefined;
  /** The only models the key may use, by policy model id. */
  readonly models?: readonly string[] | undefined;
  readonly dailyBudget?: KeyBudget | undefined;
  /** May read every caller's usage and force a fallback, as the policy's `admins` may. Not a limit, but it travels with them. */
  readonly admin?: boolean | undefined;
}

export interface KeyRecord {
  readonly id: string;
  /** Unique among keys that are not revoked. */
  readonly name: string;
  /** SHA-256 (hex) of the whole key. */
  readonly secretHash: string;
  /** The secret a rotation replaced, accepted until `validUntil` (epoch ms). */
  readonly previous?: { readonly secretHash: string; readonly validUntil: number } | undefined;
  readonly limits: KeyLimits;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt?: number | undefined;
  readonly revokedAt?: number | undefined;
  readonly rotatedAt?: number | undefined;
}

/** What a key's budget needs of its record: no secret's hash. */
export type KeyLimitsRecord = Pick<KeyRecord, 'id' | 'limits' | 'revokedAt'>;

/** Who a valid key stands for, as the router receives it from the authorizer. */
export interface VerifiedKey {
  readonly callerId: string;
  readonly keyId: string;
  readonly name: string;
  readonly limits: KeyLimits;
}

export type KeyCheck = { readonly ok: true; readonly key: VerifiedKey } | { readonly ok: false; readonly reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

/** What every refused managed key is told: which of the reasons applies is not the caller's to learn. */
export const INVALID_KEY_MESSAGE = 'This API key is not valid for this gateway: it is unknown, revoked or expired.';

export const keyLimitsSchema = z.strictObject({
  maxTier: z.optional(z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])),
  models: z.optional(z.array(z.string()).check(z.minLength(1))),
  admin: z.optional(z.boolean()),
  dailyBudget: z.optional(
    z.strictObject({
      usd: z.string().check(z.refine((text) => isUsd(text), 'must be a decimal USD amount such as "50" or "12.5"')),
      mode: z.enum(['alert', 'downgrade', 'block']),
    }),
  ),
});

function isUsd(text: string): boolean {
  try {
    parseUsd(text);
    return true;
  } catch {
    return false;
  }
}

/** A new key, for a new id or (rotating) an existing one; the key is shown once and never stored. */
export function generateKey(id = randomBytes(8).toString('hex')): { readonly id: string; readonly key: string } {
  return { id, key: `sy-${id}-${randomBytes(32).toString('base64url')}` };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The record id a presented key names, or `undefined` when it is not a managed key. */
function keyIdOf(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented)?.[1];
}

function callerIdForKeyId(id: string): string {
  return `key:${id}`;
}

/** Checks a presented key against its record at `now`: the current secret, or the previous one within its grace period. */
export function checkKey(presented: string, record: KeyRecord | undefined, now: number): KeyCheck {
  if (keyIdOf(presented) === undefined) return { ok: false, reason: 'malformed' };
  if (record === undefined) return { ok: false, reason: 'unknown' };
  const hash = hashKey(presented);
  const matches = sameHash(hash, record.secretHash) || (record.previous !== undefined && now < record.previous.validUntil && sameHash(hash, record.previous.secretHash));
  if (!matches) return { ok: false, reason: 'unknown' };
  if (record.revokedAt !== undefined) return { ok: false, reason: 'revoked' };
  if (record.expiresAt !== undefined && now >= record.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, key: { callerId: callerIdForKeyId(record.id), keyId: record.id, name: record.name, limits: record.limits } };
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export interface KeyVerifierOptions {
  /** How long a read record is trusted: a revocation or a new limit takes effect within it. @default 30000 */
  readonly ttlMs?: number;
  /** Records kept at most; the oldest go first. @default 10000 */
  readonly maxEntries?: number;
  readonly clock?: { now(): number };
}

export type KeyVerifier = (presented: string) => Promise<KeyCheck>;

/** A wrong secret for a known id triggers a fresh read at most this often per id. */
const MIN_REREAD_MS = 1000;

/**
 * Checks keys against records read through `read`, each kept for `ttlMs`
 * (an unknown id too, so guessing costs no reads). Concurrent checks of one
 * key share one read; a failed read is not kept, and throws. A key whose
 * secret does not match a kept record is checked once more against a fresh
 * read (at most once a second per id), so a key just rotated in works at once.
 */
export function createKeyVerifier(read: (id: string) => Promise<KeyRecord | undefined>, options: KeyVerifierOptions = {}): KeyVerifier {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const clock = options.clock ?? Date;
  const cache = new Map<string, { readonly readAt: number; readonly record: Promise<KeyRecord | undefined> }>();
  const readAgain = (id: string, now: number) => {
    cache.delete(id);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    const fresh = { readAt: now, record: read(id) };
    cache.set(id, fresh);
    fresh.record.catch(() => {
      if (cache.get(id) === fresh) cache.delete(id);
    });
    return fresh;
  };
  return async (presented) => {
    const id = keyIdOf(presented);
    if (id === undefined) return { ok: false, reason: 'malformed' };
    const now = clock.now();
    const cached = cache.get(id);
    const entry = cached === undefined || now - cached.readAt >= ttlMs ? readAgain(id, now) : cached;
    const record = await entry.record;
    const check = checkKey(presented, record, clock.now());
    // A secret the kept record does not know may be one rotated in since it was read.
    if (!check.ok && check.reason === 'unknown' && record !== undefined && clock.now() - entry.readAt >= MIN_REREAD_MS) {
      return checkKey(presented, await readAgain(id, clock.now()).record, clock.now());
    }
    return check;
  };
}

/** The key's budget as the router, the rollup and `GET /v1/usage` count it: under the key's caller id. */
export function budgetOfKey(callerId: string, budget: KeyBudget): Budget {
  return { id: `caller:${callerId}`, callerId, limitNanoUsd: parseUsd(budget.usd), mode: budget.mode, downgradeAtPercent: 80, downgradeTier3: false, managedKey: true };
}

/**
 * Applies a key's tier and model limits to a routing decision:
 * - a tier chosen for the caller (classifier, route, caller default) above the
 *   key's highest is lowered to it; one the caller asked for is refused;
 * - a named model must be allowed, and within the key's tiers;
 * - candidates the key may not use are dropped, and if none is left the
 *   request is refused with what the key allows.
 * @throws CallerError 403 `tier_not_allowed` or `model_not_allowed`
 */
export function applyKeyLimits(decision: RoutingDecision, limits: KeyLimits | undefined, policy: Policy): RoutingDecision {
  if (limits === undefined || (limits.maxTier === undefined && limits.models === undefined)) return decision;
  const { maxTier, models } = limits;
  let limited = decision;
  if (maxTier !== undefined && decision.tier !== null && decision.tier > maxTier) {
    if (decision.source === 'explicit') {
      throw new CallerError('tier_not_allowed', `This API key may use tiers 0 to ${maxTier}; ask for tier-${maxTier} or lower, or use "auto".`, 'model');
    }
    limited = { ...decision, tier: maxTier, chain: policy.tiers[maxTier], reasons: [...decision.reasons, `tier ${decision.tier} -> ${maxTier}: the key's highest tier`] };
  }
  if (maxTier !== undefined && limited.tier === null) {
    const reachable = new Set(TIERS.filter((tier) => tier <= maxTier).flatMap((tier) => policy.tiers[tier].map((model) => model.id)));
    const named = limited.chain[0]!;
    if (!reachable.has(named.id)) {
      throw new CallerError('model_not_allowed', `This API key may use tiers 0 to ${maxTier}, and ${named.id} is not in any of them. Use "auto" or a model of those tiers.`, 'model');
    }
  }
  if (models === undefined) return limited;
  const allowed = new Set(models);
  let chain = limited.chain.filter((model) => allowed.has(model.id));
  // A tier chosen for the caller that has none of the key's models gives way to the nearest one that has, within its tiers.
  if (chain.length === 0 && limited.tier !== null && limited.source !== 'explicit') {
    const highest = maxTier ?? 3;
    const nearest = TIERS.filter((tier) => tier <= highest && policy.tiers[tier].some((model) => allowed.has(model.id))).sort(
      (a, b) => Math.abs(a - limited.tier!) - Math.abs(b - limited.tier!) || b - a,
    )[0];
    if (nearest !== undefined) {
      chain = policy.tiers[nearest].filter((model) => allowed.has(model.id));
      limited = { ...limited, tier: nearest, reasons: [...limited.reasons, `tier ${limited.tier} -> ${nearest}: the nearest tier with the key's models`] };
      return { ...limited, chain };
    }
  }
  if (chain.length === 0) {
    const asked = limited.tier === null ? limited.chain[0]!.id : `tier ${limited.tier} (${limited.chain.map((model) => model.id).join(', ')})`;
    throw new CallerError('model_not_allowed', `This API key may not use ${asked}. It may use: ${models.join(', ')}.`, 'model');
  }
  if (chain.length === limited.chain.length) return limited;
  const skipped = limited.chain.filter((model) => !allowed.has(model.id)).map((model) => model.id);
  return { ...limited, chain, reasons: [...limited.reasons, `skipped, not allowed for this key: ${skipped.join(', ')}`] };
}

/** Whether a key may call `modelId` directly (embeddings have no tier: only the model list applies). */
export function keyAllowsModel(limits: KeyLimits | undefined, modelId: string): boolean {
  return limits?.models === undefined || limits.models.includes(modelId);
}

/** The policy with each live key's daily budget among the callers' budgets (a key's own wins): what the rollup checks. */
export function withKeyBudgets(policy: Policy, keys: readonly KeyLimitsRecord[]): Policy {
  const budgeted = keys.filter((key) => key.limits.dailyBudget !== undefined && key.revokedAt === undefined);
  if (budgeted.length === 0) return policy;
  const callers = new Map(policy.budgets.callers);
  for (const key of budgeted) {
    const callerId = callerIdForKeyId(key.id);
    callers.set(callerId, budgetOfKey(callerId, key.limits.dailyBudget!));
  }
  return { ...policy, budgets: { ...policy.budgets, callers } };
}
