/**
 * Features: what runs beside routing: API keys (reading them, managed keys and
 * their limits), the tier-3 verification pass, shadow traffic and feedback.
 *
 * API keys, as the AWS authorizer and the local gateway both read them. A key
 * may arrive as `Authorization: Bearer <key>` (what the openai SDK sends) or
 * as `x-api-key`. Keys themselves are never logged or stored: callers are
 * named by a short hash of their key.
 */
import { createHash } from 'node:crypto';
import type { HeaderBag } from '../base/header-bag';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Finds the API key in headers (any letter case), or `undefined`. */
export function extractApiKey(headers: HeaderBag): string | undefined {
  let apiKeyHeader: string | undefined;
  let authorization: string | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') authorization = value;
    else if (lower === 'x-api-key') apiKeyHeader = value;
  }
  const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
  const key = bearer ?? apiKeyHeader?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** `key:` and the first 16 hex digits of the key's SHA-256: stable, and useless to an attacker. */
export function callerIdForKey(key: string): string {
  return `key:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/;

/**
 * The caller an IAM principal stands for: a role, not one of its sessions, so
 * budgets, default tiers and admins name roles and the caller dimension stays
 * bounded. `arn:aws:sts::123456789012:assumed-role/app/i-0abc` becomes
 * `arn:aws:iam::123456789012:role/app` (a session ARN does not carry the
 * role's path, so the role is named without it). Users and anything else
 * stay as they are.
 */
export function callerIdForPrincipal(arn: string): string {
  const assumed = ASSUMED_ROLE.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}
