/**
 * Session affinity: an agent's session stays on one model. Every turn of a
 * session resends its whole conversation, which the provider serves from
 * its prompt cache at a tenth of the input price while the model stays the
 * same; a switch writes the whole prefix to a new cache at 1.25 times the
 * price. So a session keeps the tier it was first given, and moves only up,
 * when a turn's decision rises (a question that became a refactor), then
 * stays there.
 *
 * The session is known from what the client sends anyway: Switchyard's own
 * `x-switchyard-session` header, Claude Code's `x-claude-code-session-id`
 * and `metadata.user_id` session, Codex's `session-id` header, or the
 * Responses `prompt_cache_key`. Keys are per caller: one caller's session id
 * never steers another's.
 */
import { createHash } from 'node:crypto';
import type { ChatRequest } from '../model/chat-request';
import type { Tier } from '../../policy/schema';
import type { Affinity, RoutingDecision } from './decide-route';
import type { Policy } from '../../policy/policy';

/** Where a session's tier is kept: DynamoDB in AWS and locally, a map in unit tests. */
export interface SessionStore {
  read(session: string): Promise<Tier | undefined>;
  /** Keep `tier` for the session unless it already holds this tier or a higher one. */
  raise(session: string, tier: Tier): Promise<void>;
}

/** The session a request belongs to, and what named it. */
export interface SessionKey {
  /** A hash of the caller and the client's session id: what the store keys on. */
  readonly id: string;
  readonly from: string;
}

const SESSION_HEADERS = ['x-switchyard-session', 'x-claude-code-session-id', 'session-id'] as const;
const LONGEST_ID = 256;

/** The request's session, if its client names one. */
export function sessionOf(chat: Pick<ChatRequest, 'promptCacheKey' | 'anthropicBody'>, headers: Readonly<Record<string, string | undefined>>, callerId: string): SessionKey | undefined {
  const found = namedSession(chat, headers);
  if (found === undefined || found.value === '' || found.value.length > LONGEST_ID) return undefined;
  const id = createHash('sha256').update(`${callerId}\n${found.value}`).digest('base64url').slice(0, 22);
  return { id, from: found.from };
}

function namedSession(chat: Pick<ChatRequest, 'promptCacheKey' | 'anthropicBody'>, headers: Readonly<Record<string, string | undefined>>) {
  for (const header of SESSION_HEADERS) {
    const value = headers[header]?.trim();
    if (value) return { value, from: `${header} header` };
  }
  if (chat.promptCacheKey) return { value: chat.promptCacheKey, from: 'prompt_cache_key' };
  const userId = (chat.anthropicBody?.['metadata'] as { user_id?: unknown } | undefined)?.user_id;
  if (typeof userId !== 'string' || userId === '') return undefined;
  // Claude Code writes a JSON object with its session_id; other clients an opaque user id, which is no session.
  try {
    const session = (JSON.parse(userId) as { session_id?: unknown }).session_id;
    return typeof session === 'string' ? { value: session, from: 'metadata.user_id session_id' } : undefined;
  } catch {
    return undefined;
  }
}

/** A classifier's decision under the session's memory: never below the tier the session holds. */
export function withAffinity(decision: RoutingDecision, session: SessionKey, held: Tier | undefined, policy: Pick<Policy, 'tiers' | 'promptCacheTiers'>): RoutingDecision & { affinity: Affinity } {
  const tier = decision.tier!;
  const base = { session: session.id, from: session.from, held: held ?? null };
  if (held === undefined) return { ...decision, affinity: { ...base, outcome: 'new' } };
  if (tier > held) {
    return { ...decision, reasons: [`affinity: session (${session.from}) rises from tier ${held} to ${tier}`, ...decision.reasons], affinity: { ...base, outcome: 'raised' } };
  }
  return {
    ...decision,
    tier: held,
    chain: policy.tiers[held],
    cachePrompt: decision.cachePrompt || policy.promptCacheTiers.has(held),
    reasons: [`affinity: session (${session.from}) stays on tier ${held}; this turn alone would be tier ${tier}`, ...decision.reasons],
    affinity: { ...base, outcome: 'kept' },
  };
}

/** Sessions kept in a map: for tests and evaluations. */
export function createMemorySessionStore(): SessionStore {
  const tiers = new Map<string, Tier>();
  return {
    read: async (session) => tiers.get(session),
    async raise(session, tier) {
      if ((tiers.get(session) ?? -1) < tier) tiers.set(session, tier);
    },
  };
}
