/** An aggregate store in memory, for tests of the code that feeds one. */
import type { AggregateChunk, AggregateStore, CounterDelta } from '../../lambda/core/accounting/ledger-aggregation';
import { sumUsage, type DailyUsage } from '../../lambda/core/accounting/usage-aggregates';

/** Aggregates in memory, with DynamoDB's transaction semantics: the marker and every delta, or nothing. */
export function memoryStore(): AggregateStore & { readonly chunks: AggregateChunk[]; usage(day: string): DailyUsage } {
  const markers = new Map<string, string>();
  const rows: CounterDelta[] = [];
  const chunks: AggregateChunk[] = [];
  return {
    chunks,
    async apply(chunk) {
      const through = markers.get(chunk.markerId);
      if (through !== undefined) return { applied: false, through };
      markers.set(chunk.markerId, chunk.through);
      chunks.push(chunk);
      for (const delta of chunk.deltas) rows.push(delta);
      return { applied: true };
    },
    usage(day) {
      return sumUsage(day, rows.filter((row) => row.day === day));
    },
  };
}
