/**
 * Feedback on answers: `POST /v1/feedback` takes a score for a request the
 * caller made, stored with the request's tier, route, answering model and
 * cost. One per request; a later one replaces it. A day's feedback is summed
 * per route and model when it is read: count, mean score, and cost per
 * well-rated answer (score 0.5 or more).
 *
 * A comment is kept only when the policy allows it (`feedback.storeComments`)
 * and is never logged.
 */
import * as z from 'zod/mini';
import { CallerError } from '../base/errors';
import { purposeOf, type AttemptRecord } from '../accounting/ledger';
import { formatUsd, type NanoUsd } from '../accounting/money';
import type { Tier } from '../../policy/schema';

/** The body of `POST /v1/feedback`. */
/** `POST /v1/feedback`'s body. */
export const feedbackSchema = z.object({
  request_id: z.string().check(z.minLength(1), z.maxLength(128)),
  score: z.union([z.number().check(z.gte(0), z.lte(1)), z.enum(['thumbs_up', 'thumbs_down'])]),
  label: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  comment: z.optional(z.string().check(z.maxLength(4000))),
});

/** One request's feedback as stored. */
export interface FeedbackEntry {
  readonly requestId: string;
  readonly callerId: string;
  /** The UTC day the request was made: its feedback counts towards that day. */
  readonly day: string;
  readonly givenAt: string;
  readonly tier: Tier | null;
  readonly route: string | null;
  /** The model whose answer was rated. */
  readonly model: string;
  readonly score: number;
  readonly label?: string | undefined;
  readonly comment?: string | undefined;
  /** What the request cost, every call included: what "cost per well-rated answer" sums. */
  readonly costNanoUsd: NanoUsd;
}

export interface FeedbackStore {
  /** Stores the entry in place of any earlier one for the request; says whether there was one. */
  put(entry: FeedbackEntry): Promise<{ replaced: boolean }>;
  /** Every entry for requests made on `day`. */
  readDay(day: string): Promise<FeedbackEntry[]>;
}

const SERVING: ReadonlySet<string> = new Set(['answer', 'verification']);

/** A score counts as well rated from here up: a thumbs up, or 0.5 and more. */
export const WELL_RATED = 0.5;

export type FeedbackBody = z.output<typeof feedbackSchema>;

/**
 * Ties feedback to the request it rates. The request must be the caller's:
 * another caller's request, or one that does not exist, is the same 404, so
 * ids cannot be probed.
 */
export function feedbackEntry(
  body: FeedbackBody,
  callerId: string,
  records: readonly AttemptRecord[],
  options: { readonly storeComments: boolean; readonly now: Date },
): FeedbackEntry {
  const { request_id: requestId, score, label, comment } = body;
  const answers = records.filter((record) => purposeOf(record) === 'answer');
  if (answers.length === 0 || answers[0]!.callerId !== callerId) {
    throw new CallerError('not_found', `There is no request ${requestId.slice(0, 128)} made with this API key. Feedback is taken on your own requests, by the x-switchyard-request-id of the answer.`, 'request_id');
  }
  const answered = [...answers].reverse().find((record) => record.outcome === 'success') ?? answers.at(-1)!;
  return {
    requestId,
    callerId,
    day: answers[0]!.startedAt.slice(0, 10),
    givenAt: options.now.toISOString(),
    tier: answered.tier,
    route: answered.route,
    model: answered.model,
    score: score === 'thumbs_up' ? 1 : score === 'thumbs_down' ? 0 : score,
    ...(label === undefined ? {} : { label }),
    ...(comment === undefined || !options.storeComments ? {} : { comment }),
    // What serving the request cost: its answers and their checks, not the shadow's or the judge's later calls.
    costNanoUsd: records.filter((record) => SERVING.has(purposeOf(record))).reduce((sum, record) => sum + record.costNanoUsd, 0n),
  };
}

/** A day's feedback on one route and model. */
export interface FeedbackLine {
  readonly route: string;
  readonly model: string;
  readonly count: number;
  /** Three decimals. */
  readonly mean_score: string;
  readonly well_rated: number;
  /** The rated requests' total cost over the well-rated ones; null when none is. */
  readonly cost_per_well_rated_usd: string | null;
}

/** Sums a day's entries per route and model (`-` for no route), most rated first. */
export function feedbackLines(entries: readonly FeedbackEntry[]): FeedbackLine[] {
  const groups = new Map<string, FeedbackEntry[]>();
  for (const entry of entries) {
    const key = `${entry.route ?? '-'}\u0000${entry.model}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups]
    .map(([key, group]) => {
      const [route, model] = key.split('\u0000') as [string, string];
      const wellRated = group.filter((entry) => entry.score >= WELL_RATED).length;
      const cost = group.reduce((sum, entry) => sum + entry.costNanoUsd, 0n);
      return {
        route,
        model,
        count: group.length,
        mean_score: (group.reduce((sum, entry) => sum + entry.score, 0) / group.length).toFixed(3),
        well_rated: wellRated,
        cost_per_well_rated_usd: wellRated === 0 ? null : formatUsd(cost / BigInt(wellRated)),
      };
    })
    .sort((a, b) => b.count - a.count || (a.route + a.model < b.route + b.model ? -1 : 1));
}

/** Feedback held in memory: for unit tests. */
export function createMemoryFeedbackStore(): FeedbackStore & { readonly entries: Map<string, FeedbackEntry> } {
  const entries = new Map<string, FeedbackEntry>();
  return {
    entries,
    async put(entry) {
      const replaced = entries.has(entry.requestId);
      entries.set(entry.requestId, entry);
      return { replaced };
    },
    async readDay(day) {
      return [...entries.values()].filter((entry) => entry.day === day);
    },
  };
}
