/** `POST /feedback`: a score on one of the caller's own answers; a later one replaces it. */
import { feedbackEntry, parseFeedback } from '../../features/feedback';
import { json } from '../respond';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function feedbackEndpoint(dependencies: GatewayDependencies): EndpointHandler {
  const { policy, clock } = dependencies;
  return async (request) => {
    const body = parseFeedback(request.body, policy.limits);
    const records = await dependencies.ledger.recordsFor(body.request_id);
    const entry = feedbackEntry(body, request.callerId, records, { storeComments: policy.feedback.storeComments, now: new Date(clock.now()) });
    const { replaced } = await dependencies.feedback.put(entry);
    return json(request, 'feedback', {
      object: 'switchyard.feedback',
      request_id: entry.requestId,
      score: entry.score,
      model: entry.model,
      route: entry.route,
      replaced,
      comment_stored: entry.comment !== undefined,
    });
  };
}
