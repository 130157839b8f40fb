/** `GET /usage`: a day's spend, requests and feedback; an admin sees everyone's, a caller its own. */
import { usageOfCaller } from '../../accounting/usage-aggregates';
import { describeUsage } from '../../accounting/usage-report';
import { feedbackLines } from '../../features/feedback';
import { isAdmin, reportDay } from '../request-context';
import { json } from '../respond';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function usageEndpoint(dependencies: GatewayDependencies): EndpointHandler {
  const { policy, clock } = dependencies;
  return async (request) => {
    const day = reportDay(request, clock.now());
    const [all, rated] = await Promise.all([dependencies.usage.readDay(day), dependencies.feedback.readDay(day)]);
    const admin = isAdmin(request, policy);
    const scope = admin ? 'all' : request.callerId;
    const keyBudget = request.keyLimits?.dailyBudget;
    const feedbackOf = feedbackLines(admin ? rated : rated.filter((entry) => entry.callerId === request.callerId));
    return json(request, 'usage', describeUsage(admin ? all : usageOfCaller(all, request.callerId), policy, scope, keyBudget, feedbackOf));
  };
}
