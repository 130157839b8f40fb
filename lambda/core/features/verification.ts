/**
 * The verification pass: a second, usually cheaper model checks an answer
 * against a rubric and scores it from 0 to 1. Configured per tier or route
 * in the policy (`verification`); tier 3 verifies by default.
 *
 * The verifier's output is read strictly: a JSON object whose `score` is a
 * number from 0 to 1, and nothing else around it. Anything else is
 * `skipped`, never `pass`. The verifier's call is an attempt like any other:
 * priced, recorded in the ledger (purpose `verification`), counted against
 * budgets and circuits.
 */
import { attemptCandidate } from '../execution/attempt';
import type { AttemptContext, AttemptDependencies, AttemptRequest } from '../execution/attempt-contract';
import { afterAnswerNumbering } from '../execution/fallback-contract';
import type { ChatRequest } from '../model/chat-request';
import { requestText } from '../routing/agent-turn';
import { isAttemptFailure } from '../base/errors';
import type { AttemptRecord } from '../accounting/ledger';
import type { ModelSpec, Policy, VerificationSettings } from '../../policy/policy';
import type { Completion } from '../model/completion';
import type { Verification } from '../model/verification';
import type { RoutingDecision } from '../routing/decide-route';
import { costOf } from '../accounting/money';
import { estimateTokens } from '../routing/token-estimate';

/** What the verifier is asked, after the policy's rubric. */
const OUTPUT_FORMAT =
  'Reply with one JSON object and nothing else: {"score": <a number from 0 to 1>, "reason": "<one short sentence>"}. ' +
  'Score 1 for an answer that is correct, safe and complete; 0 for one that is wrong or could cause harm.';

/** The output budget of a verifier's reply: a score and a sentence. */
const VERIFIER_MAX_TOKENS = 200;

/** The route's verification if it names one (or `false` for none), else its tier's; a named model is never verified. */
export function verificationFor(decision: Pick<RoutingDecision, 'tier' | 'route'>, policy: Pick<Policy, 'verification' | 'routes'>): VerificationSettings | undefined {
  const route = decision.route === null ? undefined : policy.routes[decision.route];
  if (route?.verification !== undefined) return route.verification === false ? undefined : route.verification;
  return decision.tier === null ? undefined : policy.verification[decision.tier];
}

/** The verifier's request: the rubric and the output format, then the task (system prompts and the last user turn) and the answer. */
export function verifierRequest(chat: Pick<ChatRequest, 'messages'>, answer: string, settings: Pick<VerificationSettings, 'rubric'>): AttemptRequest {
  return {
    messages: [
      { role: 'system', content: `${settings.rubric}\n\n${OUTPUT_FORMAT}` },
      { role: 'user', content: `<task>\n${requestText(chat.messages)}\n</task>\n\n<answer>\n${answer}\n</answer>` },
    ],
    maxTokens: VERIFIER_MAX_TOKENS,
    temperature: 0,
    topP: undefined,
    stop: undefined,
    cachePrompt: false,
    responseFormat: { type: 'text' },
  };
}

/** Reads a verifier's reply strictly: exactly one JSON object with a numeric `score` in [0, 1]. */
export function parseVerdict(text: string, passScore: number): Verification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim());
  } catch {
    return { status: 'skipped', score: null, note: 'the verifier did not reply with JSON' };
  }
  const score = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)['score'] : undefined;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
    return { status: 'skipped', score: null, note: 'the verifier gave no score from 0 to 1' };
  }
  return { status: score >= passScore ? 'pass' : 'fail', score };
}

export interface VerifiedAnswer {
  readonly model: ModelSpec;
  readonly completion: Completion;
  /** The check of the first answer when the answer was escalated; else of this answer. */
  readonly verification: Verification;
  /** Answered from the next tier's chain after the first answer failed its check. */
  readonly escalated?: boolean;
}

/**
 * Verifies `answered`, and on a failed check acts as the settings say:
 * `retry-next` asks the chain's next candidates in turn (each once, within
 * the deadline), verifying each answer, and keeps the best-scored answer if
 * none passes; `escalate` asks the next tier's chain (`escalation`) in turn
 * and answers with the first that answers, unverified (the cascade trusts
 * the stronger model); `warn` and `error` return the verdict for the caller
 * to act on. Every call is recorded by the attempts themselves.
 */
export async function verifyAndRetry(
  chat: ChatRequest,
  request: AttemptRequest,
  decision: Pick<RoutingDecision, 'chain'>,
  answered: { readonly model: ModelSpec; readonly completion: Completion },
  settings: VerificationSettings,
  context: AttemptContext,
  dependencies: AttemptDependencies,
  escalation: () => Promise<readonly ModelSpec[]> = async () => [],
): Promise<VerifiedAnswer> {
  const nextNumber = afterAnswerNumbering(context.requestId, dependencies.ledger).take;
  let best: VerifiedAnswer = { ...answered, verification: await verify(chat, answered.completion.content, settings, context, dependencies, nextNumber) };
  if (best.verification.status !== 'fail') return best;
  if (settings.onFail === 'escalate') {
    for (const model of await escalation()) {
      if (dependencies.clock.now() >= context.deadline) break;
      const completion = await answerOrUndefined(model, request, context, nextNumber, dependencies);
      if (completion) return { model, completion, verification: best.verification, escalated: true };
    }
    return best;
  }
  if (settings.onFail !== 'retry-next') return best;
  const remaining = decision.chain.slice(decision.chain.findIndex((model) => model.id === answered.model.id) + 1);
  for (const model of remaining) {
    if (dependencies.clock.now() >= context.deadline) break;
    const completion = await answerOrUndefined(model, request, context, nextNumber, dependencies);
    if (!completion) continue;
    const verification = await verify(chat, completion.content, settings, context, dependencies, nextNumber);
    const candidate = { model, completion, verification };
    if (verification.status !== 'fail') return candidate;
    if ((verification.score ?? 0) > (best.verification.score ?? 0)) best = candidate;
  }
  return best;
}

/** One more candidate's answer, or undefined when its attempt failed (recorded by the attempt). */
async function answerOrUndefined(model: ModelSpec, request: AttemptRequest, context: AttemptContext, nextNumber: () => Promise<number>, dependencies: AttemptDependencies): Promise<Completion | undefined> {
  try {
    return (await attemptCandidate(model, request, context, nextNumber, dependencies)).completion;
  } catch (error) {
    if (isAttemptFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Verifies a streamed answer once it is complete. Streamed text cannot be
 * taken back, so a failed check is reported (in the stream's last event,
 * the ledger and the logs), whatever `onFail` says.
 */
export function verifyStreamedAnswer(
  chat: ChatRequest,
  settings: VerificationSettings,
  context: AttemptContext,
  dependencies: AttemptDependencies,
): (answer: string) => Promise<Verification> {
  return async (answer) => {
    let verification: Verification;
    try {
      verification = await verify(chat, answer, settings, context, dependencies, afterAnswerNumbering(context.requestId, dependencies.ledger).take);
    } catch (error) {
      // The answer has been sent: a storage fault while checking it ends the check, never the stream.
      dependencies.log.error('verification failed to run', { requestId: context.requestId, error: error instanceof Error ? error.message : String(error) });
      verification = { status: 'skipped', score: null, note: 'the verification could not run' };
    }
    // A stream's headers went out before the check: its verdict is logged too, for surfaces whose stream cannot carry it.
    dependencies.log.info('streamed answer verified', { requestId: context.requestId, verifier: settings.model.id, status: verification.status, score: verification.score });
    return verification;
  };
}

async function verify(
  chat: ChatRequest,
  answer: string,
  settings: VerificationSettings,
  context: AttemptContext,
  dependencies: AttemptDependencies,
  nextNumber: () => Promise<number>,
): Promise<Verification> {
  if (answer.trim() === '') return { status: 'skipped', score: null, note: 'no text to verify (tool calls only)' };
  let reply: Completion;
  try {
    reply = (await attemptCandidate(settings.model, verifierRequest(chat, answer, settings), { ...context, purpose: 'verification' }, nextNumber, dependencies)).completion;
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    dependencies.log.info('verification skipped: the verifier failed', { requestId: context.requestId, verifier: settings.model.id, error: error.name });
    return { status: 'skipped', score: null, note: `the verifier failed (${error.name})` };
  }
  const verdict = parseVerdict(reply.content, settings.passScore);
  // The reply may quote the prompt: only its length is logged.
  if (verdict.status === 'skipped') {
    dependencies.log.info('verification skipped: unparseable verifier output', { requestId: context.requestId, verifier: settings.model.id, replyCharacters: reply.content.length });
  }
  return verdict;
}

/** Tokens of a verifier's reply as the prompt asks for it: a score and one short sentence. */
export const TYPICAL_VERDICT_TOKENS = 40;

/**
 * What verifying adds to a request of `inputTokens` in and `outputTokens`
 * out, as a share of the answering model's cost: the verifier reads the
 * rubric, the task and the answer, and writes a verdict. List prices; the
 * task's text is the whole prompt (a conversation's older turns are not
 * sent, so this is an upper bound for chats).
 */
export function verificationShare(answering: ModelSpec, settings: Pick<VerificationSettings, 'model' | 'rubric'>, inputTokens: number, outputTokens: number): number {
  const words = (tokens: number) => 'word '.repeat(Math.round(tokens * 0.75));
  const request = verifierRequest({ messages: [{ role: 'user', content: words(inputTokens) }] }, words(outputTokens), settings);
  const verifierUsage = { input: estimateTokens(request.messages), output: TYPICAL_VERDICT_TOKENS, cacheRead: 0, cacheWrite: 0 };
  const answerUsage = { input: inputTokens, output: outputTokens, cacheRead: 0, cacheWrite: 0 };
  return Number(costOf(verifierUsage, settings.model.price)) / Number(costOf(answerUsage, answering.price));
}

/** The response headers of a verification, and of an escalation when the cheap answer's failed check sent the request up. */
export function verificationHeaders(verification: Verification, escalated = false): Record<string, string> {
  return {
    'x-switchyard-verified': verification.status,
    ...(verification.score === null ? {} : { 'x-switchyard-verifier-score': String(verification.score) }),
    ...(escalated ? { 'x-switchyard-escalated': 'true' } : {}),
  };
}

/** Records of the answer's attempts only: what the attempt count and fallback path describe. */
export const answerRecords = (records: readonly AttemptRecord[]) => records.filter((record) => (record.purpose ?? 'answer') === 'answer');
