/** What every endpoint reads of a request the same way: who the caller is, what it may see, and what its attempts are for. */
import { CallerError } from '../base/errors';
import { isUtcDay, utcDay } from '../base/utc-day';
import type { AttemptContext } from '../execution/attempt-contract';
import type { RoutingDecision } from '../routing/decide-route';
import type { Policy } from '../../policy/policy';
import type { GatewayRequest } from './types';

/** Who an attempt is for: the request, its tier and route, and the key's budget when it has one. */
export function attemptContext(request: GatewayRequest, decision: Pick<RoutingDecision, 'tier' | 'route'> | null): AttemptContext {
  return {
    requestId: request.requestId,
    callerId: request.callerId,
    tier: decision?.tier ?? null,
    route: decision?.route ?? null,
    deadline: request.deadline,
    keyBudget: request.keyLimits?.dailyBudget ?? null,
  };
}

/** The routing signals a request carries besides its prompt. */
export function signalsOf(request: GatewayRequest) {
  return {
    tierHeader: request.headers['x-switchyard-tier'],
    routeHeader: request.headers['x-switchyard-route'],
    callerId: request.callerId,
  };
}

/** A caller the policy names as an admin, or a managed key made with --admin. */
export function isAdmin(request: GatewayRequest, policy: Pick<Policy, 'admins'>): boolean {
  return policy.admins.has(request.callerId) || request.keyLimits?.admin === true;
}

/** The `date` a report asks for, today (UTC) by default. @throws CallerError when it is not a day */
export function reportDay(request: GatewayRequest, nowMs: number): string {
  const day = request.query['date'] ?? utcDay(nowMs);
  if (!isUtcDay(day)) {
    throw new CallerError('invalid_request', `"date" is "${day.slice(0, 32)}", which is not a day; use a UTC day as YYYY-MM-DD.`, 'date');
  }
  return day;
}
