/**
 * Circuit breaking per model, shared by every router and attempt instance
 * through a {@link CircuitStore}. After `failureThreshold` consecutive
 * failures a model's circuit opens and the model is skipped for
 * `cooldownSeconds`; then one caller at a time may probe it (half-open): a
 * success closes the circuit, a failure opens it again.
 */

export interface CircuitState {
  /** Consecutive failures counted so far. */
  readonly failures: number;
  /** Epoch ms until which the circuit is open; 0 when it has never opened since the last success. */
  readonly openUntil: number;
  /** Epoch ms until which a half-open probe is under way. */
  readonly probeUntil: number;
}

export const CLOSED: CircuitState = Object.freeze({ failures: 0, openUntil: 0, probeUntil: 0 });

export type CircuitStatus = 'closed' | 'open' | 'half-open';

export function circuitStatus(state: CircuitState, now: number): CircuitStatus {
  if (state.openUntil === 0) return 'closed';
  return now < state.openUntil ? 'open' : 'half-open';
}

export interface CircuitStore {
  /** The states of these models; unknown models are closed. May be served from a cache of a second or so. */
  read(models: readonly string[]): Promise<ReadonlyMap<string, CircuitState>>;
  /** Counts a failure, opening (or re-opening) the circuit at the threshold. Resolves to the new state. */
  recordFailure(model: string, now: number): Promise<CircuitState>;
  /** Closes the circuit and clears the count. */
  recordSuccess(model: string): Promise<void>;
  /** Claims the one half-open probe; resolves to true when this caller may try the model. */
  claimProbe(model: string, now: number): Promise<boolean>;
}

/** A store for tests and single-process use: the same rules, held in memory. */
export function createMemoryCircuitStore(settings: { failureThreshold: number; cooldownSeconds: number }, probeMs = 10_000): CircuitStore {
  const states = new Map<string, CircuitState>();
  const get = (model: string) => states.get(model) ?? CLOSED;
  return {
    async read(models) {
      return new Map(models.map((model) => [model, get(model)]));
    },
    async recordFailure(model, now) {
      const previous = get(model);
      const failures = previous.failures + 1;
      const reopen = failures >= settings.failureThreshold && circuitStatus(previous, now) !== 'open';
      const next = reopen ? { failures, openUntil: now + settings.cooldownSeconds * 1000, probeUntil: 0 } : { ...previous, failures };
      states.set(model, next);
      return next;
    },
    async recordSuccess(model) {
      states.delete(model);
    },
    async claimProbe(model, now) {
      const state = get(model);
      if (circuitStatus(state, now) !== 'half-open' || state.probeUntil > now) return false;
      states.set(model, { ...state, probeUntil: now + probeMs });
      return true;
    },
  };
}
