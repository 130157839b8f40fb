/**
 * `GET /shadow?route=NAME`: a day's shadow traffic on a route (or `tier-N`),
 * primary against candidate. A caller sees its own requests; admins all.
 */
import { CallerError } from '../../base/errors';
import { shadowFor, shadowReport } from '../../features/shadow';
import { TIERS, type Tier } from '../../../policy/schema';
import { isAdmin, reportDay } from '../request-context';
import { json } from '../respond';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function shadowEndpoint(dependencies: GatewayDependencies): EndpointHandler {
  const { policy, clock } = dependencies;
  return async (request) => {
    const day = reportDay(request, clock.now());
    const name = request.query['route'] ?? '';
    const known = [...Object.keys(policy.routes), ...TIERS.map((tier) => `tier-${tier}`)];
    if (!known.includes(name)) {
      throw new CallerError('invalid_request', `"route" is "${name.slice(0, 64)}": name a route of the policy or a tier as tier-0 to tier-3 (${known.join(', ')}).`, 'route');
    }
    const admin = isAdmin(request, policy);
    const isRoute = Object.hasOwn(policy.routes, name);
    const results = (await dependencies.shadowResults?.readDay(name, day)) ?? [];
    const seen = results.filter((result) => admin || result.callerId === request.callerId);
    let requests: bigint;
    if (admin) {
      const all = await dependencies.usage.readDay(day);
      requests = (isRoute ? all.byRoute.get(name) : all.byTier.get(name.slice(5)))?.requests ?? 0n;
    } else {
      // A caller's own day has no per-route counts: its traffic there is estimated from its compared requests and the share shadowed.
      const settings = shadowFor(isRoute ? { route: name, tier: policy.routes[name]!.tier ?? null } : { route: null, tier: Number(name.slice(5)) as Tier }, policy);
      requests = BigInt(settings ? Math.round((seen.length * 100) / settings.percent) : seen.length);
    }
    return json(request, 'shadow', shadowReport(name, day, seen, requests));
  };
}
