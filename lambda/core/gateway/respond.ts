/**
 * Answers as the gateway returns them: a JSON body, the request's summary for
 * metrics, and the one mapping of a failure to an error response in the
 * surface's own envelope.
 */
import type { AttemptRecord } from '../accounting/ledger';
import type { Log } from '../base/telemetry';
import { answerRecords } from '../features/verification';
import { toHttpError } from '../surfaces/shared/http-error';
import type { Surface } from '../surfaces/shared/surface';
import { withBaseHeaders } from './response-headers';
import type { GatewayRequest, GatewayResponse, RequestSummary } from './types';

/**
 * A failure that already knows what the request tried: the attempts' headers
 * and ledger records go out with the error. Thrown by an endpoint, answered by
 * the gateway's error boundary like any other error.
 */
export class AnsweredFailure extends Error {
  override readonly name = 'AnsweredFailure';

  constructor(
    cause: unknown,
    readonly headers: Readonly<Record<string, string>>,
    readonly records: readonly AttemptRecord[] = [],
  ) {
    super('the request failed after its attempts', { cause });
  }
}

/** A JSON answer from one of the gateway's own endpoints. */
export function json(request: GatewayRequest, endpoint: string, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  return { status: 200, headers: withBaseHeaders(request, headers), body: JSON.stringify(body), summary: summarise(endpoint, 200, null, [], null) };
}

/**
 * The one place an error becomes a response: its status and message from
 * {@link toHttpError}, its body in `surface`'s envelope, a log line for a
 * fault of ours (never a caller's mistake).
 */
export function failureResponse(request: GatewayRequest, endpoint: string, surface: Pick<Surface, 'errorBody'>, error: unknown, log: Log): GatewayResponse {
  const answered = error instanceof AnsweredFailure ? error : undefined;
  const cause = answered ? answered.cause : error;
  const headers = { ...answered?.headers };
  const records = answered?.records ?? [];
  const http = toHttpError(cause, request.requestId);
  if (http.status >= 500) log.error('request failed', { requestId: request.requestId, error: cause });
  const summary = summarise(endpoint, http.status, headers['x-switchyard-tier'] ?? null, records, null);
  return { status: http.status, headers: withBaseHeaders(request, headers), body: JSON.stringify(surface.errorBody(http)), summary };
}

/** The request's totals for metrics and the access line. */
export function summarise(endpoint: string, status: number, tier: string | null, records: readonly AttemptRecord[], model: string | null): RequestSummary {
  return {
    endpoint,
    status,
    tier,
    model,
    // Attempts and failures are the answer's (what fallback metrics count); the cost is every call's, a verifier's included.
    attempts: answerRecords(records).length,
    costNanoUsd: records.reduce((sum, record) => sum + record.costNanoUsd, 0n),
    flagshipCostNanoUsd: records.reduce((sum, record) => sum + record.flagshipCostNanoUsd, 0n),
    route: records[0]?.route ?? null,
    providerLatencyMs: records.reduce((sum, record) => sum + record.latencyMs, 0),
    simulated: records.some((record) => record.simulated),
    failures: answerRecords(records).filter((record) => record.outcome !== 'success').map((record) => record.outcome),
  };
}
