/**
 * The cost ledger: one record per attempt at a provider, written exactly once
 * (writers are idempotent on request id + attempt number).
 */
import type { ProviderFailureKind } from '../base/errors';
import type { NanoUsd } from './money';
import type { Tier } from '../../policy/schema';
import type { TokenUsage } from '../model/usage';

export type AttemptOutcome = 'success' | ProviderFailureKind | 'aborted';

/**
 * Why a call was made: to answer the caller; to check the answer (a
 * verifier); or to try a candidate model on the same request and compare the
 * two answers (shadow and judge). Work beyond the answer is reported apart,
 * and has no flagship counterfactual: an all-flagship gateway would not have
 * made it.
 */
export const ATTEMPT_PURPOSES = ['answer', 'verification', 'shadow', 'judge'] as const;
export type AttemptPurpose = (typeof ATTEMPT_PURPOSES)[number];

export interface AttemptRecord {
  readonly requestId: string;
  /** 1-based position of the attempt within the request. */
  readonly attempt: number;
  /** ISO-8601 time the attempt started. */
  readonly startedAt: string;
  readonly callerId: string;
  /** `null` when the caller named a model and no tier was chosen. */
  readonly tier: Tier | null;
  readonly route: string | null;
  readonly provider: string;
  readonly model: string;
  readonly usage: TokenUsage;
  readonly costNanoUsd: NanoUsd;
  /** What the same tokens would have cost on the policy's flagship model. */
  readonly flagshipCostNanoUsd: NanoUsd;
  readonly latencyMs: number;
  readonly outcome: AttemptOutcome;
  readonly simulated: boolean;
  /**
   * The usage is the router's estimate, not the provider's count: the call was
   * cut off (a timeout) before the provider reported what it used. Input is
   * estimated from the prompt; output the caller never saw counts as none.
   */
  readonly estimated: boolean;
  /** @default 'answer' */
  readonly purpose?: AttemptPurpose | undefined;
}

export const purposeOf = (record: Pick<AttemptRecord, 'purpose'>): AttemptPurpose => record.purpose ?? 'answer';

export interface Ledger {
  /** Persists the records; safe to call again with the same records. */
  record(records: readonly AttemptRecord[]): Promise<void>;
  /**
   * Hands out attempt numbers for a request: `offset + 1`, `offset + 2`, ...,
   * each exactly once, however many attempt tasks ask at the same time.
   */
  nextAttempt(requestId: string, offset: number): Promise<number>;
  /** Every recorded attempt of a request, in attempt order, read consistently. */
  recordsFor(requestId: string): Promise<AttemptRecord[]>;
}

/** A ledger held in memory: for unit tests and the benchmark. */
export function createMemoryLedger(): Ledger & { readonly records: AttemptRecord[] } {
  const records: AttemptRecord[] = [];
  const seen = new Set<string>();
  const counters = new Map<string, number>();
  const key = (record: AttemptRecord) => `${record.requestId}#${record.attempt}`;
  return {
    records,
    async record(batch) {
      for (const record of batch) {
        if (seen.has(key(record))) continue;
        seen.add(key(record));
        records.push(record);
      }
    },
    async nextAttempt(requestId, offset) {
      const count = (counters.get(requestId) ?? 0) + 1;
      counters.set(requestId, count);
      return offset + count;
    },
    async recordsFor(requestId) {
      return records.filter((record) => record.requestId === requestId).sort((a, b) => a.attempt - b.attempt);
    },
  };
}
