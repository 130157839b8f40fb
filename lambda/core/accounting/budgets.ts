/**
 * Accounting: money in integer nano-USD, list prices, the ledger of attempts,
 * budgets, the daily aggregates summed from the ledger table's change feed,
 * the usage report and the daily rollup.
 *
 * Hard budgets: a `block` budget reserves each attempt's worst-case cost
 * before the call, with a conditional write against what is left, and settles
 * to the actual cost afterwards, so concurrent requests can never overshoot
 * the cap. A `downgrade` budget routes to cheaper tiers as its day's spend
 * nears the cap. `alert` budgets cost nothing at request time: the rollup
 * checks them.
 */
import { BudgetExceededError } from '../base/errors';
import { budgetOfKey, type KeyBudget } from '../features/managed-keys';
import { formatUsd, type NanoUsd } from './money';
import type { Budget, Policy } from '../../policy/policy';
import type { Tier } from '../../policy/schema';
import type { RoutingDecision } from '../routing/decide-route';
import type { Log } from '../base/telemetry';
import { nextUtcMidnight, utcDay } from '../base/utc-day';

/** A reservation's answer: taken, or refused with what the day had already committed. */
export type Reservation = { readonly reserved: true } | { readonly reserved: false; readonly committed: NanoUsd };

export interface BudgetStore {
  /** Adds `amount` to the day's committed spend unless that would pass `limit`. */
  reserve(budgetId: string, day: string, amount: NanoUsd, limit: NanoUsd): Promise<Reservation>;
  /** Adds `delta` (negative to release) to the day's committed spend. */
  adjust(budgetId: string, day: string, delta: NanoUsd): Promise<void>;
  /** Committed spend of each budget for the day; may be cached for a second. */
  spent(budgetIds: readonly string[], day: string): Promise<ReadonlyMap<string, NanoUsd>>;
}

/** The global budget and the caller's own, where set: a managed key's budget, else the policy's for the caller. */
export function budgetsOf(policy: Policy, callerId: string, keyBudget?: KeyBudget | null): Budget[] {
  const caller = keyBudget ? budgetOfKey(callerId, keyBudget) : policy.budgets.callers.get(callerId);
  return [policy.budgets.global, caller].filter((budget): budget is Budget => budget !== undefined);
}

/** Budgets whose spend is counted at request time: the ones that can change what a request does. */
export function trackedBudgets(policy: Policy, callerId: string, keyBudget?: KeyBudget | null): Budget[] {
  return budgetsOf(policy, callerId, keyBudget).filter((budget) => budget.mode !== 'alert');
}

/** What a reservation is for, so a refusal can say what to change. */
export interface ReservationPurpose {
  readonly model: string;
  readonly maxTokens: number;
}

/**
 * Reserves `amount` on every tracked budget (only `block` ones can refuse).
 * Resolves to a settle function that must be called with the actual cost.
 * @throws BudgetExceededError: `noRoom` when the day's cap is reached,
 *   `worstCaseTooLarge` when there is room, but less than this attempt's worst case
 */
export async function reserveBudgets(
  store: BudgetStore,
  budgets: readonly Budget[],
  amount: NanoUsd,
  now: number,
  purpose: ReservationPurpose,
): Promise<(actual: NanoUsd) => Promise<void>> {
  const day = utcDay(now);
  const held: Budget[] = [];
  const release = () => Promise.allSettled(held.map((heldBudget) => store.adjust(heldBudget.id, day, -amount)));
  for (const budget of budgets) {
    if (budget.mode !== 'block') {
      // A brownout budget only counts: a failed count must not fail the request.
      try {
        await store.adjust(budget.id, day, amount);
        held.push(budget);
      } catch {
        continue;
      }
      continue;
    }
    let reservation: Reservation;
    try {
      reservation = await store.reserve(budget.id, day, amount, budget.limitNanoUsd);
    } catch (error) {
      await release();
      throw error;
    }
    if (!reservation.reserved) {
      await release();
      throw refusal(budget, amount, reservation.committed, nextUtcMidnight(now), purpose);
    }
    held.push(budget);
  }
  return async (actual) => {
    if (actual !== amount) await Promise.all(held.map((budget) => store.adjust(budget.id, day, actual - amount)));
  };
}

function refusal(budget: Budget, worstCase: NanoUsd, committed: NanoUsd, resetsAt: Date, purpose: ReservationPurpose): BudgetExceededError {
  const room = budget.limitNanoUsd - committed;
  if (room <= 0n) return BudgetExceededError.noRoom(budget.id, resetsAt);
  return new BudgetExceededError(
    'worstCaseTooLarge',
    `This request's worst case on ${purpose.model} ($${formatUsd(worstCase)}, with max_tokens ${purpose.maxTokens}) is more than ` +
      `the $${formatUsd(room)} left today in the daily budget "${budget.id}". Lower max_tokens or shorten the prompt; ` +
      `the budget resets at ${resetsAt.toISOString()}.`,
  );
}

/**
 * Routes cheaper while a `downgrade` budget is past its threshold. It reads
 * spend the store may have cached for a second, so a burst can pass the
 * threshold before the first request is downgraded: a soft limit by design.
 * A failed read never fails the request; the decision stands.
 */
export async function downgradeWithinBudgets(
  decision: RoutingDecision,
  caller: { readonly callerId: string; readonly keyBudget?: KeyBudget | null | undefined },
  dependencies: { readonly policy: Policy; readonly budgets: BudgetStore; readonly clock: { now(): number }; readonly log: Log },
): Promise<RoutingDecision> {
  const { policy, clock, log } = dependencies;
  const { callerId } = caller;
  const budgets = trackedBudgets(policy, callerId, caller.keyBudget).filter((budget) => budget.mode === 'downgrade');
  if (budgets.length === 0 || decision.tier === null) return decision;
  try {
    const spent = await dependencies.budgets.spent(budgets.map((budget) => budget.id), utcDay(clock.now()));
    return downgradeForBudgets(decision, budgets, spent, policy);
  } catch (error) {
    log.error('budget read failed', { callerId, error });
    return decision;
  }
}

/**
 * Lowers the tier while a `downgrade` budget is past its threshold: tier 2 to
 * 1 and 1 to 0; tier 3 only where the budget allows it.
 */
export function downgradeForBudgets(
  decision: RoutingDecision,
  budgets: readonly Budget[],
  spent: ReadonlyMap<string, NanoUsd>,
  policy: Policy,
): RoutingDecision {
  if (decision.tier === null || decision.tier === 0) return decision;
  for (const budget of budgets) {
    if (budget.mode !== 'downgrade') continue;
    const used = (spent.get(budget.id) ?? 0n) * 100n;
    // One comparison, without dividing by the cap: a $0 budget is always past its threshold.
    if (used < BigInt(budget.downgradeAtPercent) * budget.limitNanoUsd) continue;
    if (decision.tier === 3 && !budget.downgradeTier3) continue;
    const tier = (decision.tier - 1) as Tier;
    const where = budget.limitNanoUsd === 0n ? 'has a $0 daily cap' : `at ${used / budget.limitNanoUsd}% of its daily cap`;
    return {
      ...decision,
      tier,
      chain: policy.tiers[tier],
      reasons: [...decision.reasons, `budget ${budget.id} ${where}: tier ${decision.tier} -> ${tier}`],
    };
  }
  return decision;
}

/** A budget store held in memory: for tests and single-process use. */
export function createMemoryBudgetStore(): BudgetStore & { readonly committed: Map<string, NanoUsd> } {
  const committed = new Map<string, NanoUsd>();
  const key = (budgetId: string, day: string) => `${budgetId}#${day}`;
  return {
    committed,
    async reserve(budgetId, day, amount, limit) {
      const current = committed.get(key(budgetId, day)) ?? 0n;
      if (current + amount > limit) return { reserved: false, committed: current };
      committed.set(key(budgetId, day), current + amount);
      return { reserved: true };
    },
    async adjust(budgetId, day, delta) {
      committed.set(key(budgetId, day), (committed.get(key(budgetId, day)) ?? 0n) + delta);
    },
    async spent(budgetIds, day) {
      return new Map(budgetIds.map((id) => [id, committed.get(key(id, day)) ?? 0n]));
    },
  };
}
