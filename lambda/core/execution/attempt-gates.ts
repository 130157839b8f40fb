/**
 * The gates of one attempt, each a step of its own. Before the call, in
 * order: enough time left, the model's circuit, and a reserve of the worst
 * case on the `block` budgets. A candidate stopped at any of them takes no
 * attempt number and leaves no record. After a throttled failure, one wait:
 * the provider's retry-after, before the failure is reported, so the retry
 * that follows respects it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { reserveBudgets, trackedBudgets } from '../accounting/budgets';
import { worstCaseAttemptCost, type NanoUsd } from '../accounting/money';
import { RoutingError, type ProviderError } from '../base/errors';
import type { Log } from '../base/telemetry';
import { maxInputTokens } from '../routing/token-estimate';
import type { ModelSpec } from '../../policy/policy';
import type { AttemptContext, AttemptDependencies, AttemptRequest } from './attempt-contract';
import { CLOSED, circuitStatus, type CircuitState } from './circuit-breaker';

/** Below this much time left an attempt is not started: it could not finish. */
export const MIN_ATTEMPT_MS = 250;

/** @throws RoutingError `deadline` when too little time is left for an attempt at `model` to finish */
export function requireTimeLeft(model: ModelSpec, deadline: number, now: number): void {
  if (deadline - now < MIN_ATTEMPT_MS) throw new RoutingError('deadline', `no time left to try ${model.id}`);
}

/**
 * Runs circuit bookkeeping, which never costs an answer: when the store fails,
 * the failure is logged and `fallback` stands in (a circuit that cannot be
 * read counts as closed).
 */
export async function circuitBookkeeping<T>(model: ModelSpec, operation: string, work: () => Promise<T>, fallback: T, log: Log): Promise<T> {
  try {
    return await work();
  } catch (error) {
    log.error('circuit store failed', { model: model.id, operation, error: String(error) });
    return fallback;
  }
}

/**
 * Lets the attempt through the model's circuit when it is closed, or
 * half-open and this caller holds its one probe. Resolves to the state seen,
 * which the settle step needs to know whether a success closes anything.
 * @throws RoutingError `skipped` when the circuit is open, or another caller holds the probe
 */
export async function passCircuit(model: ModelSpec, dependencies: Pick<AttemptDependencies, 'circuits' | 'clock' | 'log' | 'metrics'>): Promise<CircuitState> {
  const { circuits, clock, log } = dependencies;
  const circuit = await circuitBookkeeping(model, 'read', async () => (await circuits.read([model.id])).get(model.id)!, CLOSED, log);
  const status = circuitStatus(circuit, clock.now());
  const probing = status === 'half-open' && (await circuitBookkeeping(model, 'probe', () => circuits.claimProbe(model.id, clock.now()), true, log));
  if (status === 'open' || (status === 'half-open' && !probing)) {
    dependencies.metrics?.count('CircuitSkipped', { Model: model.id });
    throw new RoutingError('skipped', `${model.id} skipped: its circuit is open`);
  }
  return circuit;
}

/** A reserve held on the caller's tracked budgets until the attempt settles at its actual cost. */
export interface BudgetHold {
  /** The ids of the budgets held: what a failed settle logs. */
  readonly budgets: readonly string[];
  /** Replaces the reserve with the actual cost (0 releases it). */
  settle(actual: NanoUsd): Promise<void>;
}

/**
 * Reserves the attempt's worst-case cost (its prompt's upper bound and its
 * whole output budget) on every budget tracked for the caller.
 * @returns the hold, or `undefined` when no budget is tracked
 * @throws BudgetExceededError when a `block` budget has no room for the worst case
 */
export async function reserveBudget(
  model: ModelSpec,
  request: AttemptRequest,
  context: AttemptContext,
  dependencies: Pick<AttemptDependencies, 'policy' | 'budgets' | 'clock'>,
): Promise<BudgetHold | undefined> {
  const tracked = trackedBudgets(dependencies.policy, context.callerId, context.keyBudget);
  if (tracked.length === 0) return undefined;
  const worstCase = worstCaseAttemptCost(model, maxInputTokens(request.messages, request.tools), request.maxTokens);
  const settle = await reserveBudgets(dependencies.budgets, tracked, worstCase, dependencies.clock.now(), { model: model.id, maxTokens: request.maxTokens });
  return { budgets: tracked.map((budget) => budget.id), settle };
}

/**
 * A throttled provider that says when to come back is waited for here, before
 * the failure is reported, so the retry that follows respects it. When the
 * wait would outlast the deadline the candidate is skipped instead.
 */
export async function honourRetryAfter(error: ProviderError, deadline: number, dependencies: Pick<AttemptDependencies, 'clock' | 'wait'>): Promise<void> {
  const { clock, wait = (ms, signal) => sleep(ms, undefined, { signal }) } = dependencies;
  if (error.kind !== 'throttled' || error.retryAfterMs === undefined || error.retryAfterMs <= 0) return;
  if (clock.now() + error.retryAfterMs + MIN_ATTEMPT_MS > deadline) {
    throw new RoutingError('skipped', `${error.model} asked to retry after ${error.retryAfterMs} ms, past the deadline`);
  }
  try {
    await wait(error.retryAfterMs, AbortSignal.timeout(Math.max(1, deadline - clock.now())));
  } catch {
    throw new RoutingError('deadline', `the deadline passed while waiting to retry ${error.model}`);
  }
}
