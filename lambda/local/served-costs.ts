/**
 * The cost of each served request, as the router handler tells it (its
 * `onServed`), for the access line: a stream's cost is known only once its
 * attempts are recorded, after its last byte. Each is read once, by the line.
 */
export interface ServedCosts {
  /** The handler served `requestId` at this cost (USD, as `x-switchyard-cost-usd` writes it). */
  told(requestId: string, costUsd: string): void;
  /** The cost the handler tells for `requestId`, or `undefined` once `settled` resolves without one. */
  costOf(requestId: string, settled: Promise<unknown>): Promise<string | undefined>;
}

/** How long a cost told before anyone asked for it is kept: an access line that never asks (a caller gone early) lets it go. */
const KEPT_MS = 60_000;

export function servedCosts(): ServedCosts {
  const told = new Map<string, string>();
  const waiting = new Map<string, (cost: string | undefined) => void>();
  const take = (requestId: string) => {
    const cost = told.get(requestId);
    told.delete(requestId);
    return cost;
  };
  return {
    told(requestId, costUsd) {
      const waiter = waiting.get(requestId);
      waiting.delete(requestId);
      if (waiter) {
        waiter(costUsd);
        return;
      }
      told.set(requestId, costUsd);
      setTimeout(() => told.delete(requestId), KEPT_MS).unref();
    },
    costOf(requestId, settled) {
      if (told.has(requestId)) return Promise.resolve(take(requestId));
      return new Promise((resolve) => {
        waiting.set(requestId, resolve);
        void settled.then(() => {
          if (waiting.get(requestId) !== resolve) return;
          waiting.delete(requestId);
          resolve(take(requestId));
        });
      });
    },
  };
}
