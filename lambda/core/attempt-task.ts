/**
 * The attempt task the fallback state machine runs for each candidate: the
 * same `attemptCandidate` the router runs in-process, numbered through the
 * ledger so concurrent tasks and retries never share an attempt number.
 */
import { attemptCandidate, type AttemptDependencies } from './attempt';
import { RoutingError } from './errors';
import type { AttemptTaskInput, AttemptTaskOutput } from './fallback';

export async function runAttemptTask(input: AttemptTaskInput, dependencies: AttemptDependencies): Promise<AttemptTaskOutput> {
  const model = dependencies.policy.models.get(input.model);
  if (!model) throw new RoutingError('skipped', `${input.model} is not in this deployment's policy`);
  if (model.contextWindow <= input.contextFloor) {
    throw new RoutingError('skipped', `${model.id} has a context window of ${model.contextWindow}, not above ${input.contextFloor}`);
  }
  const { completion } = await attemptCandidate(
    model,
    input.request,
    input,
    () => dependencies.ledger.nextAttempt(input.requestId, input.attemptOffset),
    dependencies,
  );
  return { model: model.id, completion };
}
