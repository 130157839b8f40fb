/** `POST /feedback`: a score on one of the caller's own answers; a later one replaces it. */
import { feedbackEntry, feedbackSchema, type FeedbackBody } from '../../features/feedback';
import { readRequestBody } from '../../surfaces/shared/read-body';
import { json } from '../respond';
import type { Limits } from '../../../policy/policy';
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

/** Validates a feedback body: size and JSON first, then each field, as every request body. */
export function parseFeedback(body: string | undefined, limits: Limits): FeedbackBody {
  return readRequestBody(body, limits, feedbackSchema, { expects: '"request_id" and "score" (0 to 1, "thumbs_up" or "thumbs_down"), and optionally "label" and "comment"' }).data;
}
