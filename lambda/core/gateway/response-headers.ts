/**
 * Every `x-switchyard-*` header is assembled here, for whole answers, streams
 * and failures alike, so each says the same thing on every endpoint.
 */
import type { AttemptRecord } from '../accounting/ledger';
import { formatUsd } from '../accounting/money';
import { answerRecords, verificationHeaders } from '../features/verification';
import type { ChatRequest } from '../model/chat-request';
import type { Verification } from '../model/verification';
import type { RoutingDecision } from '../routing/decide-route';
import type { ModelSpec } from '../../policy/policy';
import type { GatewayRequest } from './types';

type Headers = Record<string, string>;

/** What every response carries: its content type and request id, then the endpoint's own headers. */
export function withBaseHeaders(request: GatewayRequest, headers: Headers): Headers {
  return { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId, ...headers };
}

/** Headers that explain the decision and what it cost, on success and failure alike. */
export function describeAttempts(decision: Pick<RoutingDecision, 'tier' | 'reasons'>, records: readonly AttemptRecord[]): Headers {
  return {
    'x-switchyard-tier': decision.tier === null ? 'passthrough' : String(decision.tier),
    'x-switchyard-tier-reasons': headerSafe(decision.reasons.join('; ')),
    ...describeRecords(records),
  };
}

/** The attempts made at an answer, and what every call cost (a verification's included). */
export function describeRecords(records: readonly AttemptRecord[]): Headers {
  const headers: Headers = {};
  const answers = answerRecords(records);
  if (answers.length > 0) {
    headers['x-switchyard-attempts'] = String(answers.length);
    headers['x-switchyard-fallback-path'] = answers.map((record) => record.model).join(',');
  }
  if (records.length > 0) headers['x-switchyard-cost-usd'] = formatUsd(records.reduce((sum, record) => sum + record.costNanoUsd, 0n));
  return headers;
}

/** The model that answered, and whether it was a real one. */
export function answeredBy(model: ModelSpec, simulated: boolean): Headers {
  return { 'x-switchyard-model': model.id, 'x-switchyard-provider': model.provider, ...(simulated ? { 'x-switchyard-simulated': 'true' } : {}) };
}

/** A whole chat answer's headers: the decision, every attempt and its cost, the verification, what was changed or dropped, and the model. */
export function chatAnswerHeaders(options: {
  readonly chat: ChatRequest;
  readonly decision: RoutingDecision;
  readonly records: readonly AttemptRecord[];
  readonly verification: Verification | undefined;
  readonly model: ModelSpec;
  readonly adjusted: readonly string[] | undefined;
  readonly simulated: boolean;
  readonly native?: boolean | undefined;
  /** Answered from the next tier after the first answer failed its check. */
  readonly escalated?: boolean | undefined;
}): Headers {
  return {
    ...describeAttempts(options.decision, options.records),
    ...(options.verification ? verificationHeaders(options.verification, options.escalated) : {}),
    ...editHeaders(options.chat, options.model, options.adjusted, options.native),
    ...answeredBy(options.model, options.simulated),
  };
}

/**
 * A streamed answer's headers, sent with its first byte: the cost is not
 * known yet (it is in the access line, the ledger and `GET /v1/usage`), and a
 * verification's verdict comes in the stream's last event where the surface has one.
 */
export function chatStreamHeaders(options: {
  readonly chat: ChatRequest;
  readonly decision: RoutingDecision;
  /** The attempts that failed before this one began streaming. */
  readonly failed: readonly AttemptRecord[];
  readonly model: ModelSpec;
  readonly adjusted: readonly string[];
  readonly simulated: boolean;
  readonly verdictPending: boolean;
  readonly native?: boolean | undefined;
}): Headers {
  const { 'x-switchyard-cost-usd': _notYetKnown, ...attempts } = describeAttempts(options.decision, options.failed);
  return {
    ...attempts,
    ...editHeaders(options.chat, options.model, options.adjusted, options.native),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-switchyard-attempts': String(options.failed.length + 1),
    'x-switchyard-fallback-path': [...options.failed.map((record) => record.model), options.model.id].join(','),
    ...(options.verdictPending ? { 'x-switchyard-verified': 'pending' } : {}),
    ...answeredBy(options.model, options.simulated),
  };
}

/**
 * What the edge did not send, and what it changed, named so that nothing is ignored or altered
 * silently. An answer through the provider's own Messages API had every field sent as it came.
 */
function editHeaders(chat: ChatRequest, model: ModelSpec, byProvider: readonly string[] = [], native = false): Headers {
  const headers: Headers = {};
  if (chat.dropped.length > 0 && !native) headers['x-switchyard-dropped-params'] = headerSafe(chat.dropped.join(','));
  if (chat.droppedTools?.length) headers['x-switchyard-dropped-tools'] = headerSafe(chat.droppedTools.join(','));
  const adjusted = [...(chat.adjusted ?? []), ...byProvider];
  if (adjusted.length > 0) headers['x-switchyard-adjusted'] = headerSafe(adjusted.join(', '));
  const droppedBetas = (chat.betas ?? []).filter((flag) => !model.anthropicBetas.has(flag));
  if (droppedBetas.length > 0) headers['x-switchyard-dropped-betas'] = headerSafe(droppedBetas.join(','));
  return headers;
}

/** Parameters accepted and not sent, for endpoints without a chat request (embeddings). */
export function droppedParams(dropped: readonly string[]): Headers {
  return dropped.length > 0 ? { 'x-switchyard-dropped-params': headerSafe(dropped.join(',')) } : {};
}

/** Header values must be printable ASCII; reasons are capped to keep headers small. */
function headerSafe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, ' ');
  return clean.length > 512 ? `${clean.slice(0, 509)}...` : clean;
}
