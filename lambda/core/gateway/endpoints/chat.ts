/**
 * Endpoints: one module per endpoint, each a factory that takes the gateway's
 * dependencies and returns its handler. They throw what goes wrong; the
 * gateway's one error boundary answers it in the surface's envelope.
 *
 * This file: a chat on any surface (`/chat/completions`, `/messages`,
 * `/responses`): the same routing, attempts and ledger; the surface's own
 * request, answer and stream formats.
 */
import { VerificationFailedError } from '../../base/errors';
import { completeChat, attemptRequestOf } from '../../execution/chain-runner';
import { chatStreamEvents, startChatStream } from '../../execution/chat-stream';
import { wantsForcedFallback, withForcedFailure } from '../../execution/forced-fallback';
import { createInProcessFallback } from '../../execution/in-process-fallback';
import { answerRecords, verificationFor, verificationHeaders, verifyAndRetry, verifyStreamedAnswer } from '../../features/verification';
import type { Completion } from '../../model/completion';
import type { ChatRequest } from '../../model/chat-request';
import type { Verification } from '../../model/verification';
import type { RoutingDecision } from '../../routing/decide-route';
import type { ChatSurface } from '../../surfaces/shared/surface';
import type { AttemptContext } from '../../execution/attempt-contract';
import type { ModelSpec } from '../../../policy/policy';
import { decideRequest, escalationChain } from '../decide-request';
import { attemptContext, isAdmin } from '../request-context';
import { AnsweredFailure, summarise } from '../respond';
import { chatAnswerHeaders, chatStreamHeaders, describeAttempts, withBaseHeaders } from '../response-headers';
import { shadowAfterAnswer } from '../shadow-dispatch';
import type { EndpointHandler, GatewayDependencies, GatewayRequest, GatewayResponse } from '../types';

export function chatEndpoint(surface: ChatSurface, dependencies: GatewayDependencies): EndpointHandler {
  const { policy, clock, log } = dependencies;
  const flow = { ...dependencies, inProcessFallback: createInProcessFallback(dependencies) };
  const shadow = shadowAfterAnswer(dependencies);

  const streamed = async (request: GatewayRequest, chat: ChatRequest, decision: RoutingDecision, context: AttemptContext, forced: boolean): Promise<GatewayResponse> => {
    const start = await startChatStream(chat, decision, context, forced ? withForcedFailure(dependencies, decision.chain[0]!.id) : dependencies);
    if (!start.ok) throw new AnsweredFailure(start.error, describeAttempts(decision, start.records), start.records);
    const { model } = start.stream.attempt;
    const settings = verificationFor(decision, policy);
    const shadowed = shadow.isShadowed(request, decision);
    let streamedAnswer: string | undefined;
    const { events, recorded } = chatStreamEvents(start.stream, {
      requestId: request.requestId,
      messages: chat.messages,
      tools: chat.tools,
      verify: settings && verifyStreamedAnswer(chat, settings, context, dependencies),
      ...(shadowed ? { completed: (answer: string) => void (streamedAnswer = answer) } : {}),
      encoder: surface.encoder({ requestId: request.requestId, model: model.id, simulated: start.stream.simulated, chat, inputTokens: decision.inputTokenEstimate, nowMs: clock.now() }),
    });
    const headers = chatStreamHeaders({
      chat,
      decision,
      failed: start.records,
      model,
      adjusted: start.stream.attempt.adjusted,
      simulated: start.stream.simulated,
      native: start.stream.attempt.call.anthropicBody !== undefined,
      verdictPending: settings !== undefined && surface.streamsVerdict,
    });
    const tier = headers['x-switchyard-tier']!;
    return {
      status: 200,
      headers: withBaseHeaders(request, headers),
      body: '',
      summary: summarise(surface.name, 200, tier, start.records, model.id),
      stream: { events, summary: recorded.then((record) => summarise(surface.name, 200, tier, [...start.records, record], model.id)) },
      ...(shadowed
        ? {
            // A stream that broke off has no answer to compare.
            afterResponse: async () => {
              const record = await recorded;
              if (streamedAnswer !== undefined) await shadow.after(request, chat, decision, context, model.id, streamedAnswer, [...start.records, record])?.();
            },
          }
        : {}),
    };
  };

  return async (request) => {
    const { chat, decision } = await decideRequest(request, surface, dependencies);
    const context = attemptContext(request, decision);
    const forced = wantsForcedFallback(request.headers, isAdmin(request, policy)) && decision.chain.length > 0;
    if (chat.stream) return streamed(request, chat, decision, context, forced);
    const result = await completeChat(chat, decision, context, forced ? withForcedFailure(flow, decision.chain[0]!.id) : flow);
    if (!result.ok) throw new AnsweredFailure(result.error, describeAttempts(decision, result.records), result.records);
    const settings = verificationFor(decision, policy);
    let answer: { model: ModelSpec; completion: Completion; escalated?: boolean } = result;
    let records = result.records;
    let verification: Verification | undefined;
    if (settings) {
      const escalation = () => escalationChain(decision, chat, request, dependencies);
      const verified = await verifyAndRetry(chat, attemptRequestOf(chat, decision), decision, result, settings, context, flow, escalation).catch((error: unknown) => {
        // The answer is paid for: a storage fault while checking it costs the caller the check, not the answer.
        log.error('verification failed to run', { requestId: request.requestId, error: error instanceof Error ? error.message : String(error) });
        return { ...result, verification: { status: 'skipped' as const, score: null, note: 'the verification could not run' } };
      });
      answer = verified;
      verification = verified.verification;
      records = await dependencies.ledger.recordsFor(request.requestId).catch(() => result.records);
      if (verification.status === 'fail' && settings.onFail === 'error') {
        const error = new VerificationFailedError(verified.model.id, verification.score!, settings.passScore);
        throw new AnsweredFailure(error, { ...describeAttempts(decision, records), ...verificationHeaders(verification) }, records);
      }
    }
    const headers = chatAnswerHeaders({
      chat,
      decision,
      records,
      verification,
      model: answer.model,
      adjusted: answer.completion.adjusted,
      simulated: answer.completion.simulated,
      native: answer.completion.native,
      escalated: answer.escalated,
    });
    const afterResponse = shadow.after(request, chat, decision, context, answer.model.id, answer.completion.content, answerRecords(records));
    return {
      status: 200,
      headers: withBaseHeaders(request, headers),
      body: JSON.stringify(surface.answer(request.requestId, answer.model.id, answer.completion, clock.now(), chat)),
      summary: summarise(surface.name, 200, headers['x-switchyard-tier']!, records, answer.model.id),
      ...(afterResponse ? { afterResponse } : {}),
    };
  };
}
