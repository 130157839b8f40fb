/** The verdict of a tier-3 verification pass, as answers and streams report it. */

export type VerificationStatus = 'pass' | 'fail' | 'skipped';

export interface Verification {
  readonly status: VerificationStatus;
  /** The verifier's score, when it gave one. */
  readonly score: number | null;
  /** Why it was skipped, for the logs and the header: never prompt or answer text. */
  readonly note?: string;
}
