/**
 * The gateway core: one function from a plain request to a plain response.
 * The Lambda handler and the local server are thin adapters around it, so the
 * whole API is testable in-process without AWS or a socket.
 */
import type { HeaderBag } from '../features/auth';
import type { AttemptContext, AttemptDependencies } from '../execution/attempt';
import { usageOfCaller, type UsageReader } from '../accounting/usage-aggregates';
import { describeUsage } from '../accounting/usage-report';
import { downgradeWithinBudgets } from '../accounting/budgets';
import { circuitStatus, CLOSED } from '../execution/circuit-breaker';
import { attemptRequestOf, completeChat } from '../execution/chat-flow';
import type { FallbackRunner } from '../execution/fallback-contract';
import { createInProcessFallback } from '../execution/in-process-fallback';
import { anthropicEventEncoder, betasOf, errorBodyFor, parseMessagesRequest, toAnthropicMessage } from '../surfaces/anthropic-messages/parse-request';
import { embeddingModelFor, parseEmbeddingsRequest, toEmbeddingsResponse } from '../surfaces/embeddings/parse-request';
import { embedTexts } from '../execution/embed';
import { openAiChunkEncoder, parseChatRequest, toChatCompletion } from '../surfaces/openai-chat/parse-request';
import type { ChatRequest } from '../model/chat-request';
import { parseResponsesRequest, responsesEventEncoder, toResponseObject } from '../surfaces/openai-responses/parse-request';
import { chatStreamEvents, startChatStream } from '../execution/chat-stream';
import type { StreamEncoder } from '../model/stream-encoder';
import { CallerError, VerificationFailedError } from '../base/errors';
import { applyKeyLimits, keyAllowsModel, type KeyLimits } from '../features/managed-keys';
import { wantsForcedFallback, withForcedFailure } from '../execution/forced-fallback';
import { toHttpError } from '../surfaces/shared/http-error';
import type { AttemptRecord } from '../accounting/ledger';
import { formatUsd } from '../accounting/money';
import { decideRoute, describeDecision, fitCapabilities, fitContextWindows, VIRTUAL_MODELS, type RoutingDecision } from '../routing/decide-route';
import { TIERS, type ModelSpec, type Policy, type Tier } from '../../policy/policy';
import type { Completion } from '../model/completion';
import { estimateTokens } from '../routing/token-estimate';
import { isUtcDay, utcDay } from '../base/utc-day';
import { feedbackEntry, feedbackLines, parseFeedback, type FeedbackStore } from '../features/feedback';
import { sampled, shadowFor, shadowName, shadowReport, type ShadowDispatcher, type ShadowJob, type ShadowResultStore } from '../features/shadow';
import { answerRecords, verificationFor, verificationHeaders, verifyAndRetry, verifyStreamedAnswer } from '../features/verification';

export interface GatewayRequest {
  /** Unique per request; API Gateway's request id in AWS. */
  readonly requestId: string;
  readonly method: string;
  /** Path below the stage, e.g. `/chat/completions`. */
  readonly path: string;
  readonly headers: HeaderBag;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
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
  /** Shadow results, for `GET /shadow`. @default none */
  readonly shadowResults?: Pick<ShadowResultStore, 'readDay'> | undefined;
}

export type Gateway = (request: GatewayRequest) => Promise<GatewayResponse>;

type EndpointHandler = (request: GatewayRequest) => Promise<GatewayResponse>;

export function createGateway(dependencies: GatewayDependencies): Gateway {
  const { policy, circuits, clock, log } = dependencies;
  const startedAtSeconds = Math.floor(clock.now() / 1000);
  const flow = { ...dependencies, inProcessFallback: createInProcessFallback(dependencies) };

  /** The request, its tier and chain: budgets may lower the tier, and candidates too small for the prompt drop out. */
  const decide = async (request: GatewayRequest, parse: ChatSurface['parse'] = parseChatRequest) => {
    const chat = parse(request.body, policy.limits, request.headers);
    const routed = await downgradeWithinBudgets(decideRoute(chat, signalsOf(request), policy), { callerId: request.callerId, keyBudget: request.keyLimits?.dailyBudget }, dependencies);
    const decision = applyKeyLimits(routed, request.keyLimits, policy);
    return { chat, decision: fitContextWindows(fitCapabilities(decision, chat)) };
  };

  /** A chat on any surface: the same routing, attempts and ledger; the surface's own request, answer and stream formats. */
  const serveChat =
    (surface: ChatSurface): EndpointHandler =>
    async (request) => {
      const { chat, decision } = await decide(request, surface.parse);
      const context = attemptContext(request, decision);
      const forced = wantsForcedFallback(request.headers, isAdmin(request)) && decision.chain.length > 0;
      if (chat.stream) return streamedChat(request, surface, chat, decision, context, forced);
      const result = await completeChat(chat, decision, context, forced ? withForcedFailure(flow, decision.chain[0]!.id) : flow);
      if (!result.ok) return failure(request, surface.endpoint, result.error, describeAttempts(decision, result.records), result.records);
      const settings = verificationFor(decision, policy);
      let answer: { model: ModelSpec; completion: Completion } = result;
      let records = result.records;
      const verifiedHeaders: Record<string, string> = {};
      if (settings) {
        const verified = await verifyAndRetry(chat, attemptRequestOf(chat, decision), decision, result, settings, context, flow).catch((error: unknown) => {
          // The answer is paid for: a storage fault while checking it costs the caller the check, not the answer.
          log.error('verification failed to run', { requestId: request.requestId, error: error instanceof Error ? error.message : String(error) });
          return { ...result, verification: { status: 'skipped' as const, score: null, note: 'the verification could not run' } };
        });
        answer = verified;
        records = await dependencies.ledger.recordsFor(request.requestId).catch(() => result.records);
        Object.assign(verifiedHeaders, verificationHeaders(verified.verification));
        if (verified.verification.status === 'fail' && settings.onFail === 'error') {
          const error = new VerificationFailedError(verified.model.id, verified.verification.score!, settings.passScore);
          return failure(request, surface.endpoint, error, { ...describeAttempts(decision, records), ...verifiedHeaders }, records);
        }
      }
      const attemptHeaders = describeAttempts(decision, records);
      const headers: Record<string, string> = {
        ...attemptHeaders,
        ...verifiedHeaders,
        ...editHeaders(chat, answer.model, answer.completion.adjusted),
        'x-switchyard-model': answer.model.id,
        'x-switchyard-provider': answer.model.provider,
      };
      if (answer.completion.simulated) headers['x-switchyard-simulated'] = 'true';
      const afterResponse = shadowAfter(request, chat, decision, context, answer.model.id, answer.completion.content, answerRecords(records));
      return {
        status: 200,
        headers: withBaseHeaders(request, headers),
        body: JSON.stringify(surface.answer(request.requestId, answer.model.id, answer.completion, clock.now())),
        summary: summarise(surface.endpoint, 200, attemptHeaders['x-switchyard-tier']!, records, answer.model.id),
        ...(afterResponse ? { afterResponse } : {}),
      };
    };

  /** Headers go out with the first byte, before the cost is known: the cost is in the ledger and `GET /v1/usage`. */
  const streamedChat = async (
    request: GatewayRequest,
    surface: ChatSurface,
    chat: ChatRequest,
    decision: RoutingDecision,
    context: AttemptContext,
    forced: boolean,
  ): Promise<GatewayResponse> => {
    const start = await startChatStream(chat, decision, context, forced ? withForcedFailure(dependencies, decision.chain[0]!.id) : dependencies);
    if (!start.ok) return failure(request, surface.endpoint, start.error, describeAttempts(decision, start.records), start.records);
    const { model } = start.stream.attempt;
    const settings = verificationFor(decision, policy);
    const shadowed = isShadowed(request, decision);
    let streamedAnswer: string | undefined;
    const { events, recorded } = chatStreamEvents(start.stream, {
      requestId: request.requestId,
      messages: chat.messages,
      tools: chat.tools,
      verify: settings && verifyStreamedAnswer(chat, settings, context, dependencies),
      ...(shadowed
        ? {
            completed: (answer: string) => {
              streamedAnswer = answer;
            },
          }
        : {}),
      encoder: surface.encoder({ requestId: request.requestId, model: model.id, simulated: start.stream.simulated, chat, decision, nowMs: clock.now() }),
    });
    const headers: Record<string, string> = {
      ...describeAttempts(decision, start.records),
      ...editHeaders(chat, model, start.stream.attempt.adjusted),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-switchyard-attempts': String(start.records.length + 1),
      'x-switchyard-fallback-path': [...start.records.map((record) => record.model), model.id].join(','),
      'x-switchyard-model': model.id,
      'x-switchyard-provider': model.provider,
    };
    delete headers['x-switchyard-cost-usd'];
    // Verified after the answer ends: the stream's last event carries the result, where the surface has such an event.
    if (settings && surface === OPENAI_CHAT) headers['x-switchyard-verified'] = 'pending';
    if (start.stream.simulated) headers['x-switchyard-simulated'] = 'true';
    const tier = headers['x-switchyard-tier']!;
    return {
      status: 200,
      headers: withBaseHeaders(request, headers),
      body: '',
      summary: summarise(surface.endpoint, 200, tier, start.records, model.id),
      stream: { events, summary: recorded.then((record) => summarise(surface.endpoint, 200, tier, [...start.records, record], model.id)) },
      ...(shadowed
        ? {
            // A stream that broke off has no answer to compare.
            afterResponse: async () => {
              const record = await recorded;
              if (streamedAnswer !== undefined) await shadowAfter(request, chat, decision, context, model.id, streamedAnswer, [...start.records, record])?.();
            },
          }
        : {}),
    };
  };

  /** `POST /embeddings`: one model, one attempt, priced and recorded; no tier, no fallback. */
  const embeddings: EndpointHandler = async (request) => {
    const parsed = parseEmbeddingsRequest(request.body, policy.limits);
    const model = embeddingModelFor(parsed.model, policy);
    if (!keyAllowsModel(request.keyLimits, model.id)) {
      throw new CallerError('model_not_allowed', `This API key may not use ${model.id}. It may use: ${request.keyLimits!.models!.join(', ')}.`, 'model');
    }
    const context = attemptContext(request, null);
    const result = await embedTexts(parsed, model, context, dependencies);
    const base = { 'x-switchyard-tier': 'passthrough', 'x-switchyard-tier-reasons': `embedding model ${model.id}` };
    if (!result.ok) return failure(request, 'embeddings', result.error, { ...base, ...describeRecords(result.records) }, result.records);
    const headers: Record<string, string> = {
      ...base,
      ...describeRecords([result.record]),
      'x-switchyard-model': model.id,
      'x-switchyard-provider': model.provider,
      ...(parsed.dropped.length > 0 ? { 'x-switchyard-dropped-params': headerSafe(parsed.dropped.join(',')) } : {}),
      ...(result.embeddings.simulated ? { 'x-switchyard-simulated': 'true' } : {}),
    };
    return {
      status: 200,
      headers: withBaseHeaders(request, headers),
      body: JSON.stringify(toEmbeddingsResponse(model.id, parsed, result.embeddings)),
      summary: summarise('embeddings', 200, 'passthrough', [result.record], model.id),
    };
  };

  /** `POST /messages/count_tokens`: the prompt's estimated tokens, as routing counts them, without calling a model. */
  const countTokens: EndpointHandler = async (request) => {
    const chat = parseMessagesRequest(request.body, policy.limits, { requireMaxTokens: false });
    return json(request, 'messages/count_tokens', 200, { input_tokens: estimateTokens(chat.messages, chat.tools) });
  };

  const route: EndpointHandler = async (request) => {
    const { decision } = await decide(request);
    const states = await circuits.read(decision.chain.map((model) => model.id));
    const now = clock.now();
    const described = describeDecision(decision);
    const chain = described.chain.map((entry) => ({ ...entry, circuit: circuitStatus(states.get(entry.model) ?? CLOSED, now) }));
    return json(request, 'route', 200, { ...described, chain }, describeAttempts(decision, []));
  };

  /**
   * Every name a request may use: the virtual models, the configured models and the exact aliases
   * (a family pattern such as `claude-*` is not a name). One list in both OpenAI's and Anthropic's
   * shapes, whose fields do not collide, so either SDK's `models.list()` reads it.
   */
  const models: EndpointHandler = async (request) => {
    const createdAt = new Date(startedAtSeconds * 1000).toISOString();
    const entry = (id: string, ownedBy: string, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'model',
      created: startedAtSeconds,
      owned_by: ownedBy,
      type: 'model',
      display_name: id,
      created_at: createdAt,
      ...extra,
    });
    const data = [
      ...VIRTUAL_MODELS.map((id) => entry(id, 'switchyard')),
      ...[...policy.models.values()].map((model) => entry(model.id, model.provider, { model_type: model.type, capabilities: [...model.capabilities] })),
      ...Object.entries(policy.aliases)
        .filter(([alias]) => !alias.endsWith('*'))
        .map(([alias, target]) => entry(alias, 'switchyard', { alias_of: target })),
    ];
    return json(request, 'models', 200, { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  };

  /** The `date` a report asks for, today (UTC) by default. */
  const reportDay = (request: GatewayRequest): string => {
    const day = request.query['date'] ?? utcDay(clock.now());
    if (!isUtcDay(day)) {
      throw new CallerError('invalid_request', `"date" is "${day.slice(0, 32)}", which is not a day; use a UTC day as YYYY-MM-DD.`, 'date');
    }
    return day;
  };

  const usage: EndpointHandler = async (request) => {
    const day = reportDay(request);
    const [all, rated] = await Promise.all([dependencies.usage.readDay(day), dependencies.feedback.readDay(day)]);
    const admin = isAdmin(request);
    const scope = admin ? 'all' : request.callerId;
    const keyBudget = request.keyLimits?.dailyBudget;
    const feedbackOf = feedbackLines(admin ? rated : rated.filter((entry) => entry.callerId === request.callerId));
    return json(request, 'usage', 200, describeUsage(admin ? all : usageOfCaller(all, request.callerId), policy, scope, keyBudget, feedbackOf));
  };

  /**
   * The shadow job of a sampled request, to hand on once the answer has gone;
   * undefined when the request is not shadowed. A failure to hand it on is
   * logged (never the prompt) and costs the caller nothing.
   */
  /** Whether the request is in its route's or tier's shadow share, with somewhere to send it. */
  const isShadowed = (request: GatewayRequest, decision: RoutingDecision): boolean => {
    const settings = shadowFor(decision, policy);
    return settings !== undefined && dependencies.shadows !== undefined && sampled(request.requestId, settings.percent);
  };

  const shadowAfter = (
    request: GatewayRequest,
    chat: ChatRequest,
    decision: RoutingDecision,
    context: AttemptContext,
    primaryModel: string,
    content: string,
    answers: readonly AttemptRecord[],
  ): (() => Promise<void>) | undefined => {
    const settings = shadowFor(decision, policy);
    const dispatcher = dependencies.shadows;
    if (!settings || !dispatcher || !isShadowed(request, decision)) return undefined;
    const answered = [...answers].reverse().find((record) => record.model === primaryModel && record.outcome === 'success') ?? answers.at(-1);
    const job: ShadowJob = {
      requestId: request.requestId,
      callerId: request.callerId,
      tier: decision.tier,
      route: decision.route,
      keyBudget: context.keyBudget ?? null,
      name: shadowName(decision),
      day: utcDay(clock.now()),
      candidate: settings.model.id,
      ...(settings.judge ? { judge: settings.judge.id } : {}),
      request: attemptRequestOf(chat, decision),
      primary: {
        model: primaryModel,
        content,
        latencyMs: answered?.latencyMs ?? 0,
        costNanoUsd: answers.reduce((sum, record) => sum + record.costNanoUsd, 0n).toString(),
      },
    };
    return async () => {
      try {
        await dispatcher.send(job);
      } catch (error) {
        log.error('shadow job not sent', { requestId: request.requestId, name: job.name, error: error instanceof Error ? error.message : String(error) });
      }
    };
  };

  /**
   * `GET /shadow?route=NAME`: a day's shadow traffic on a route (or `tier-N`),
   * primary against candidate. A caller sees its own requests; admins all.
   */
  const shadow: EndpointHandler = async (request) => {
    const day = reportDay(request);
    const name = request.query['route'] ?? '';
    const known = [...Object.keys(policy.routes), ...TIERS.map((tier) => `tier-${tier}`)];
    if (!known.includes(name)) {
      throw new CallerError('invalid_request', `"route" is "${name.slice(0, 64)}": name a route of the policy or a tier as tier-0 to tier-3 (${known.join(', ')}).`, 'route');
    }
    const admin = isAdmin(request);
    const isRoute = Object.hasOwn(policy.routes, name);
    const results = (await dependencies.shadowResults?.readDay(name, day)) ?? [];
    const seen = results.filter((result) => admin || result.callerId === request.callerId);
    let requests: bigint;
    if (admin) {
      const all = await dependencies.usage.readDay(day);
      requests = (isRoute ? all.byRoute.get(name) : all.byTier.get(name.slice(5)))?.requests ?? 0n;
    } else {
      // A caller's own day has no per-route counts: its traffic there is estimated from its compared requests and the share shadowed.
      const settings = shadowFor(isRoute ? { route: name, tier: policy.routes[name]!.tier ?? null } : { route: null, tier: Number(name.slice(5)) as Tier }, policy);
      requests = BigInt(settings ? Math.round((seen.length * 100) / settings.percent) : seen.length);
    }
    return json(request, 'shadow', 200, shadowReport(name, day, seen, requests));
  };

  /** `POST /feedback`: a score on one of the caller's own answers; a later one replaces it. */
  const feedback: EndpointHandler = async (request) => {
    const body = parseFeedback(request.body, policy.limits);
    const records = await dependencies.ledger.recordsFor(body.request_id);
    const entry = feedbackEntry(body, request.callerId, records, { storeComments: policy.feedback.storeComments, now: new Date(clock.now()) });
    const { replaced } = await dependencies.feedback.put(entry);
    return json(request, 'feedback', 200, {
      object: 'switchyard.feedback',
      request_id: entry.requestId,
      score: entry.score,
      model: entry.model,
      route: entry.route,
      replaced,
      comment_stored: entry.comment !== undefined,
    });
  };

  /** A caller the policy names as an admin, or a managed key made with --admin. */
  const isAdmin = (request: GatewayRequest) => policy.admins.has(request.callerId) || request.keyLimits?.admin === true;

  const endpoints: Readonly<Record<string, Endpoint>> = {
    '/chat/completions': { method: 'POST', handle: serveChat(OPENAI_CHAT) },
    '/messages': { method: 'POST', handle: serveChat(ANTHROPIC_MESSAGES) },
    '/messages/count_tokens': { method: 'POST', handle: countTokens },
    '/responses': { method: 'POST', handle: serveChat(OPENAI_RESPONSES) },
    '/embeddings': { method: 'POST', handle: embeddings },
    '/route': { method: 'POST', handle: route },
    '/models': { method: 'GET', handle: models },
    '/usage': { method: 'GET', handle: usage },
    '/feedback': { method: 'POST', handle: feedback },
    '/shadow': { method: 'GET', handle: shadow },
  };

  function failure(
    request: GatewayRequest,
    endpoint: string,
    error: unknown,
    headers: Record<string, string> = {},
    records: readonly AttemptRecord[] = [],
  ): GatewayResponse {
    const http = toHttpError(error, request.requestId);
    if (http.status >= 500) log.error('request failed', { requestId: request.requestId, error });
    const summary = summarise(endpoint, http.status, headers['x-switchyard-tier'] ?? null, records, null);
    return { status: http.status, headers: withBaseHeaders(request, headers), body: JSON.stringify(errorBodyFor(request.path, http)), summary };
  }

  function json(
    request: GatewayRequest,
    endpoint: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): GatewayResponse {
    return {
      status,
      headers: withBaseHeaders(request, headers),
      body: JSON.stringify(body),
      summary: summarise(endpoint, status, null, [], null),
    };
  }

  return async (request) => {
    const endpoint = endpoints[request.path];
    try {
      if (!endpoint) {
        throw new CallerError(
          'not_found',
          `There is no endpoint ${request.path}. Use POST /v1/chat/completions, POST /v1/responses, POST /v1/messages, POST /v1/embeddings, GET /v1/models, POST /v1/route, GET /v1/usage, POST /v1/feedback or GET /v1/shadow.`,
        );
      }
      if (request.method !== endpoint.method) {
        throw new CallerError('method_not_allowed', `${request.path} accepts ${endpoint.method}, not ${request.method}.`);
      }
      return await endpoint.handle(request);
    } catch (error) {
      return failure(request, endpoint ? request.path.slice(1) : 'unknown', error);
    }
  };
}

/** Who an attempt is for: the request, its tier and route, and the key's budget when it has one. */
function attemptContext(request: GatewayRequest, decision: Pick<RoutingDecision, 'tier' | 'route'> | null): AttemptContext {
  return {
    requestId: request.requestId,
    callerId: request.callerId,
    tier: decision?.tier ?? null,
    route: decision?.route ?? null,
    deadline: request.deadline,
    keyBudget: request.keyLimits?.dailyBudget ?? null,
  };
}

function signalsOf(request: GatewayRequest) {
  return {
    tierHeader: request.headers['x-switchyard-tier'],
    routeHeader: request.headers['x-switchyard-route'],
    callerId: request.callerId,
  };
}

function withBaseHeaders(request: GatewayRequest, headers: Record<string, string>): Record<string, string> {
  return { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId, ...headers };
}

/** Headers that explain the decision and what it cost, on success and failure alike. */
function describeAttempts(decision: RoutingDecision, records: readonly AttemptRecord[]): Record<string, string> {
  return {
    'x-switchyard-tier': decision.tier === null ? 'passthrough' : String(decision.tier),
    'x-switchyard-tier-reasons': headerSafe(decision.reasons.join('; ')),
    ...describeRecords(records),
  };
}

/** The attempts made at an answer, and what every call cost (a verification's included). */
function describeRecords(records: readonly AttemptRecord[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const answers = answerRecords(records);
  if (answers.length > 0) {
    headers['x-switchyard-attempts'] = String(answers.length);
    headers['x-switchyard-fallback-path'] = answers.map((record) => record.model).join(',');
  }
  if (records.length > 0) headers['x-switchyard-cost-usd'] = formatUsd(records.reduce((sum, record) => sum + record.costNanoUsd, 0n));
  return headers;
}

function summarise(
  endpoint: string,
  status: number,
  tier: string | null,
  records: readonly AttemptRecord[],
  model: string | null,
): RequestSummary {
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

/** What the edge did not send, and what it changed, named so that nothing is ignored or altered silently. */
function editHeaders(chat: ChatRequest, model: ModelSpec, byProvider: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = {};
  if (chat.dropped.length > 0) headers['x-switchyard-dropped-params'] = headerSafe(chat.dropped.join(','));
  const adjusted = [...(chat.adjusted ?? []), ...byProvider];
  if (adjusted.length > 0) headers['x-switchyard-adjusted'] = headerSafe(adjusted.join(', '));
  const droppedBetas = (chat.betas ?? []).filter((flag) => !model.anthropicBetas.has(flag));
  if (droppedBetas.length > 0) headers['x-switchyard-dropped-betas'] = headerSafe(droppedBetas.join(','));
  return headers;
}

interface Endpoint {
  readonly method: string;
  readonly handle: EndpointHandler;
}

/** One API surface for chat: how it reads a request, shapes an answer and streams one. */
interface ChatSurface {
  /** The endpoint's name in metrics and logs. */
  readonly endpoint: string;
  parse(body: string | undefined, limits: Policy['limits'], headers: HeaderBag): ChatRequest;
  answer(requestId: string, model: string, completion: Completion, nowMs: number): unknown;
  encoder(options: { requestId: string; model: string; simulated: boolean; chat: ChatRequest; decision: RoutingDecision; nowMs: number }): StreamEncoder;
}

const OPENAI_CHAT: ChatSurface = {
  endpoint: 'chat',
  parse: parseChatRequest,
  answer: toChatCompletion,
  encoder: ({ chat, ...options }) => openAiChunkEncoder({ ...options, includeUsage: chat.includeUsage }),
};

const OPENAI_RESPONSES: ChatSurface = {
  endpoint: 'responses',
  parse: parseResponsesRequest,
  answer: toResponseObject,
  encoder: ({ requestId, model, nowMs }) => responsesEventEncoder({ requestId, model, nowMs }),
};

const ANTHROPIC_MESSAGES: ChatSurface = {
  endpoint: 'messages',
  parse: (body, limits, headers) => ({ ...parseMessagesRequest(body, limits), betas: betasOf(headers['anthropic-beta']) }),
  answer: (requestId, model, completion) => toAnthropicMessage(requestId, model, completion),
  encoder: ({ requestId, model, decision }) => anthropicEventEncoder({ requestId, model, inputTokens: decision.inputTokenEstimate }),
};

/** Header values must be printable ASCII; reasons are capped to keep headers small. */
function headerSafe(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, ' ');
  return clean.length > 512 ? `${clean.slice(0, 509)}...` : clean;
}
