/** Random attempt records for property tests of the ledger and its aggregates, and the sums they must add up to. */
import fc from 'fast-check';
import { ATTEMPT_PURPOSES, type AttemptRecord } from '../../lambda/core/accounting/ledger';
import { PROVIDER_FAILURE_KINDS } from '../../lambda/core/base/errors';
import { addCounters, countersOf, ZERO_COUNTERS, type UsageCounters } from '../../lambda/core/accounting/usage-aggregates';

/** Attempts on `days`, from `callers` callers: enough distinct counters to need several transactions a batch. */
export const attemptArbitrary = (days: readonly string[], callers = 4) =>
  fc.record({
    requestId: fc.uuid(),
    attempt: fc.integer({ min: 1, max: 6 }),
    startedAt: fc
      .tuple(fc.constantFrom(...days), fc.integer({ min: 0, max: 86_399_999 }))
      .map(([day, ms]) => new Date(Date.parse(`${day}T00:00:00Z`) + ms).toISOString()),
    callerId: fc.integer({ min: 0, max: callers - 1 }).map((index) => (index === 0 ? 'arn:aws:iam::123456789012:role/app' : `key:${String(index).padStart(4, '0')}`)),
    tier: fc.constantFrom(0, 1, 2, 3, null),
    route: fc.constantFrom(null, 'triage', 'support-answer'),
    provider: fc.constant('bedrock'),
    model: fc.constantFrom('bedrock/amazon.nova-micro-v1:0', 'bedrock/amazon.nova-lite-v1:0', 'openai/gpt-5'),
    usage: fc.record({ input: fc.nat(200_000), output: fc.nat(20_000), cacheRead: fc.nat(50_000), cacheWrite: fc.nat(5_000) }),
    costNanoUsd: fc.bigInt({ min: 0n, max: 5_000_000_000n }),
    flagshipCostNanoUsd: fc.bigInt({ min: 0n, max: 50_000_000_000n }),
    latencyMs: fc.nat(30_000),
    outcome: fc.constantFrom('success' as const, ...PROVIDER_FAILURE_KINDS),
    simulated: fc.boolean(),
    estimated: fc.boolean(),
    purpose: fc.constantFrom(undefined, ...ATTEMPT_PURPOSES),
  }) as fc.Arbitrary<AttemptRecord>;

/** Distinct by request id and attempt, as the ledger's key makes them. */
export function uniqueAttempts(records: readonly AttemptRecord[]): AttemptRecord[] {
  return [...new Map(records.map((record) => [`${record.requestId}#${record.attempt}`, record])).values()];
}

export function sumOf(records: readonly AttemptRecord[], pick: (record: AttemptRecord) => boolean = () => true): UsageCounters {
  return records.filter(pick).reduce((sum, record) => addCounters(sum, countersOf(record)), ZERO_COUNTERS);
}
