/** The gateway's contract with its entry points (the Lambda handler, the local server): a plain request in, a plain response out. */
import type { SessionStore } from '../routing/session-affinity';
import type { HeaderBag } from '../base/header-bag';
import type { AttemptDependencies } from '../execution/attempt-contract';
import type { FallbackRunner } from '../execution/fallback-contract';
import type { FeedbackStore } from '../features/feedback';
import type { KeyLimits } from '../features/managed-keys';
import type { ShadowDispatcher, ShadowResultStore } from '../features/shadow';
import type { UsageReader } from '../accounting/usage-aggregates';

export interface GatewayRequest {
  /** Unique per request; API Gateway's request id in AWS. */
  readonly requestId: string;
  readonly method: string;
  /** Path below the stage, e.g. `/chat/completions`. */
  readonly path: string;
  readonly headers: HeaderBag;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /** Set when the body's bytes are not UTF-8: how many were sent. The gateway refuses such a body (a decoder would count each bad byte as three). */
  readonly bodyNotUtf8?: number | undefined;
  /** Who pays: `key:<managed key id>`, `key:<hash>` or an IAM principal ARN. */
  readonly callerId: string;
  /** A managed key's limits, as the authorizer read them. @default none */
  readonly keyLimits?: KeyLimits | undefined;
  /** Epoch milliseconds by which the response must be sent. */
  readonly deadline: number;
}

/** What the handler needs for metrics; never serialised to the caller. */
export interface RequestSummary {
  readonly endpoint: string;
  readonly status: number;
  readonly tier: string | null;
  readonly model: string | null;
  readonly attempts: number;
  readonly costNanoUsd: bigint;
  /** What the same tokens would have cost on the policy's flagship: the saving is the difference. */
  readonly flagshipCostNanoUsd: bigint;
  /** The route the request came by, if any. */
  readonly route: string | null;
  /** Time spent in provider calls, summed over the attempts: the rest of the request's time is the gateway's. */
  readonly providerLatencyMs: number;
  readonly simulated: boolean;
  readonly failures: readonly string[];
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Empty when {@link stream} is set. */
  readonly body: string;
  /** What happened, for metrics and the request log; for a stream, up to its first byte. */
  readonly summary: RequestSummary;
  /** A streamed answer (`stream: true`), sent after the status and headers. */
  readonly stream?: GatewayStream;
  /** Work to do once the response has been sent (handing a shadow job on); it never fails the request. */
  readonly afterResponse?: () => Promise<void>;
}

/**
 * Server-sent events, each a complete `data: ...\n\n` frame, to write in
 * order as they come. Stopping early (the client went away) ends the provider
 * call: the handler calls the iterator's `return()` by leaving its loop.
 */
export interface GatewayStream {
  readonly events: AsyncIterable<string>;
  /** The whole request's summary, once the events have ended (or were abandoned). */
  readonly summary: Promise<RequestSummary>;
}

export interface GatewayDependencies extends AttemptDependencies {
  /** Walks the chain after the first candidate fails: the Step Functions workflow, or its local run. */
  readonly fallback: FallbackRunner;
  /** Reads a day's aggregates for `GET /usage`. */
  readonly usage: UsageReader;
  /** Keeps `POST /feedback`'s scores, read back per day for `GET /usage`. */
  readonly feedback: FeedbackStore;
  /** Where sampled requests go for shadow traffic, after their answer. @default none: no shadow traffic */
  readonly shadows?: ShadowDispatcher | undefined;
  /** Each agent session's tier (session affinity). @default none: every turn is decided alone */
  readonly sessions?: SessionStore | undefined;
  /** Shadow results, for `GET /shadow`. @default none */
  readonly shadowResults?: Pick<ShadowResultStore, 'readDay'> | undefined;
}

export type Gateway = (request: GatewayRequest) => Promise<GatewayResponse>;

/** One endpoint's work: an answer, or a throw that the gateway's one error boundary turns into the surface's error. */
export type EndpointHandler = (request: GatewayRequest) => Promise<GatewayResponse>;
