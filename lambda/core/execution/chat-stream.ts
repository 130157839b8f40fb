/**
 * Serving `stream: true`. Until a provider has produced its first chunk the
 * chain runs as any other ({@link runChain}), except that a stream cannot pass
 * through Step Functions: the rest of the chain is walked here, by the rules
 * `walkInProcess` shares with the workflow. From then on the answer has begun:
 * {@link chatStreamEvents} reads it on and encodes it for the caller; a failure
 * ends the stream with an error event (never a clean end), and the attempt is
 * recorded with what it used.
 */
import { openAttempt, taskModel } from './attempt';
import type { AttemptContext, AttemptDependencies, OpenAttempt } from './attempt-contract';
import { attemptRequestOf, runChain, walkSignal, type ChainTrial } from './chain-runner';
import type { ChatRequest } from '../model/chat-request';
import { ProviderError } from '../base/errors';
import { FIRST_ATTEMPT, taskNumbering } from './fallback-contract';
import { walkInProcess } from './in-process-fallback';
import type { AttemptOutcome, AttemptRecord } from '../accounting/ledger';
import type { Completion, CompletionChunk } from '../model/completion';
import type { StreamEncoder } from '../model/stream-encoder';
import type { RoutingDecision } from '../routing/decide-route';
import { answerAccumulator } from './answer-accumulator';
import type { TokenUsage } from '../model/usage';
import type { Verification } from '../model/verification';

/** A provider stream that has produced its first chunk: the answer has begun. */
export interface StartedStream {
  readonly attempt: OpenAttempt;
  readonly simulated: boolean;
  readonly first: CompletionChunk;
  readonly rest: AsyncIterator<CompletionChunk>;
  /** The call's idle limit (paused while the reader reads) and the request's deadline. */
  readonly idle: IdleLimit;
}

export type ChatStreamStart =
  | { readonly ok: true; readonly stream: StartedStream; readonly records: readonly AttemptRecord[] }
  | { readonly ok: false; readonly error: Error; readonly records: readonly AttemptRecord[] };

/** Walks the chain until a provider streams its first chunk, or the chain fails as a non-streaming request would. */
export async function startChatStream(
  chat: ChatRequest,
  decision: RoutingDecision,
  context: AttemptContext,
  dependencies: AttemptDependencies,
): Promise<ChatStreamStart> {
  const run = await runChain(decision.chain, attemptRequestOf(chat, decision), context, streamedAnswers(dependencies), dependencies);
  return run.ok ? { ok: true, stream: run.answer, records: run.records } : run;
}

function streamedAnswers(dependencies: AttemptDependencies): ChainTrial<StartedStream> {
  const tryCandidate: ChainTrial<StartedStream>['tryCandidate'] = async (model, request, context, attemptNumber) =>
    startStream(await openAttempt(model, request, context, attemptNumber, dependencies), context.deadline, dependencies);
  return {
    tryCandidate,
    // A stream cannot pass through Step Functions: the rest of the chain is walked here, by the workflow's rules.
    walkRest: (plan, context) =>
      walkInProcess(
        plan.input,
        walkSignal(context.deadline, dependencies.clock),
        async (task) => tryCandidate(taskModel(task, dependencies), task.request, task, taskNumbering(task, dependencies.ledger).take),
        dependencies,
      ),
    // A stream is recorded when it ends: at its start the ledger holds only the attempts before it, none before the first number.
    knownRecords: (stream) => (stream.attempt.number === FIRST_ATTEMPT ? [] : undefined),
  };
}

/** Opens the provider's stream and waits for its first chunk; a failure until then is the attempt's `failed`. */
async function startStream(attempt: OpenAttempt, deadline: number, dependencies: Pick<AttemptDependencies, 'providers' | 'clock'>): Promise<StartedStream> {
  const provider = dependencies.providers.get(attempt.model.provider);
  const simulated = dependencies.providers.isSimulated(attempt.model.provider);
  const idle = idleLimit(attempt.firstTokenMs, deadline - dependencies.clock.now());
  try {
    const chunks = provider.stream ? provider.stream({ ...attempt.call, signal: idle.signal }) : wholeAnswer(provider.complete({ ...attempt.call, signal: idle.signal }));
    const rest = chunks[Symbol.asyncIterator]();
    const first = await rest.next();
    if (first.done) throw new ProviderError('malformed_response', 'the stream ended before any chunk', { provider: attempt.model.provider, model: attempt.model.id });
    idle.pause();
    return { attempt, simulated, first: first.value, rest, idle };
  } catch (error) {
    idle.stop();
    return attempt.failed(error);
  }
}

/** A provider that cannot stream answers in one piece. */
async function* wholeAnswer(completion: Promise<Completion>): AsyncGenerator<CompletionChunk> {
  const { content, toolCalls = [], finishReason, usage } = await completion;
  if (content !== '' || toolCalls.length === 0) yield { type: 'text', text: content };
  for (const [index, call] of toolCalls.entries()) yield { type: 'tool_call', index, id: call.id, name: call.name, arguments: call.arguments };
  yield { type: 'end', finishReason, usage };
}

interface IdleLimit {
  readonly signal: AbortSignal;
  /** Starts the wait for the next chunk afresh. */
  restart(): void;
  /** Stops waiting for now (the reader is busy); the deadline still holds. */
  pause(): void;
  /** Stops both. */
  stop(): void;
}

/**
 * Aborts when no chunk has come for `ms`, so a stream may run long but never
 * stall, and at the request's deadline, so it ends with an error event of its
 * own rather than be cut off when the function's time is up.
 */
function idleLimit(ms: number, untilDeadlineMs: number): IdleLimit {
  const controller = new AbortController();
  const abort = () => controller.abort(new DOMException('no chunk in time', 'TimeoutError'));
  let timer: NodeJS.Timeout | undefined;
  const deadline = setTimeout(abort, Math.max(1, untilDeadlineMs));
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(abort, ms);
  };
  restart();
  return {
    signal: controller.signal,
    restart,
    pause: () => clearTimeout(timer),
    stop: () => {
      clearTimeout(timer);
      clearTimeout(deadline);
    },
  };
}

/** How far past its output cap, by the ledger's estimate, a host's stream may run before it is cut. */
export const OVERRUN_ALLOWED = 1.25;

export interface ChatStreamOptions {
  readonly requestId: string;
  readonly messages: ChatRequest['messages'];
  readonly tools: ChatRequest['tools'];
  readonly encoder: StreamEncoder;
  /** Checks the complete answer's text after its end, before the stream closes: the verification pass. */
  readonly verify?: ((answer: string) => Promise<Verification>) | undefined;
  /** Told the complete answer's text once it has ended (shadow traffic compares it). */
  readonly completed?: ((answer: string) => void) | undefined;
}

/**
 * The stream as the surface's server-sent events, by its encoder. A failure
 * after the first byte ends with the encoder's error and never a clean end.
 * `recorded` resolves with the attempt's ledger record however the stream
 * ends, also when the reader stops early (the provider call is then ended).
 */
export function chatStreamEvents(started: StartedStream, options: ChatStreamOptions): { events: AsyncGenerator<string>; recorded: Promise<AttemptRecord> } {
  let settle!: (record: AttemptRecord) => void;
  const recorded = new Promise<AttemptRecord>((resolve) => (settle = resolve));
  const { encoder } = options;
  const answer = answerAccumulator(options);

  async function* events(): AsyncGenerator<string> {
    const { attempt, rest, idle } = started;
    let settled = false;
    // Output written so far, counted as the ledger estimates it (four characters a token), piece by piece. An honest
    // host stops at the cap itself; prose runs to about five characters a token, so the cut waits for a quarter more.
    let outputCharacters = 0;
    const overCap = (piece: Exclude<CompletionChunk, { type: 'end' }>): boolean => {
      outputCharacters += piece.type === 'tool_call' ? piece.arguments.length : (piece.text ?? '').length;
      return attempt.call.maxTokens !== undefined && Math.ceil(outputCharacters / 4) > OVERRUN_ALLOWED * attempt.call.maxTokens;
    };
    const brokeOff = async (outcome: Exclude<AttemptOutcome, 'success'>, usage: TokenUsage, estimated: boolean) => {
      settled = true;
      idle.stop();
      settle(await attempt.brokeOff(outcome, usage, started.simulated, estimated));
    };
    try {
      yield* encoder.begin();
      let next: IteratorResult<CompletionChunk> = { done: false, value: started.first };
      while (!next.done) {
        const piece = next.value;
        if (piece.type === 'end') {
          settled = true;
          idle.stop();
          // Lets the adapter finish its call (its own cleanup runs); the answer is complete.
          await rest.return?.().catch(() => undefined);
          const { completion, estimated } = answer.complete(piece, started.simulated);
          settle(await attempt.succeeded(completion.usage, started.simulated, estimated));
          yield* encoder.end(piece.finishReason, completion.usage);
          options.completed?.(completion.content);
          if (options.verify) {
            const verification = await options.verify(completion.content);
            if (encoder.verified) yield* encoder.verified(verification);
          }
          if (encoder.close) yield* encoder.close();
          return;
        }
        answer.add(piece);
        if (piece.type === 'thinking') {
          // Passed on where the surface carries reasoning; for the timers below, a sign of life either way.
          if (encoder.thinking) yield* encoder.thinking(piece);
        } else if (piece.type === 'tool_call') {
          yield* encoder.toolCall(piece);
        } else {
          yield* encoder.text(piece.text);
        }
        if (overCap(piece)) {
          // The host wrote past the output cap it was sent: the answer ends here, as at the cap, and what was written is charged (estimated), so a block budget's reservation holds.
          next = { done: false, value: { type: 'end', finishReason: 'length', usage: undefined } };
          continue;
        }
        // The idle limit measures the provider, not the reader: it runs only while the next chunk is awaited.
        idle.restart();
        next = await rest.next();
        idle.pause();
      }
      throw new ProviderError('malformed_response', 'the stream ended without its end', { provider: attempt.model.provider, model: attempt.model.id });
    } catch (error) {
      if (settled) throw error;
      const failure = error instanceof ProviderError ? error : undefined;
      const outcome: Exclude<AttemptOutcome, 'success'> = failure?.kind ?? 'connection';
      await brokeOff(outcome, failure?.usage ?? answer.seen(), failure?.usage === undefined);
      yield* encoder.fail(`${attempt.model.id} stopped answering after the stream began (${outcome}). Request id: ${options.requestId}.`);
    } finally {
      if (!settled) {
        // The reader went away: end the provider call, and charge what it used so far.
        idle.stop();
        await rest.return?.().catch(() => undefined);
        await brokeOff('aborted', answer.seen(), true);
      }
    }
  }
  const inner = events();
  let begun = false;
  /** A generator's `return()` or `throw()` before its first `next()` runs none of its body: end the call and settle here instead. */
  const abandonUnstarted = async () => {
    begun = true;
    started.idle.stop();
    await started.rest.return?.().catch(() => undefined);
    settle(await started.attempt.brokeOff('aborted', answer.seen(), started.simulated, true));
  };
  const guarded: AsyncGenerator<string> = {
    next: (...args) => ((begun = true), inner.next(...args)),
    return: async (value) => {
      if (!begun) await abandonUnstarted();
      return inner.return(value);
    },
    throw: async (error) => {
      if (!begun) await abandonUnstarted();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    [Symbol.asyncDispose]: async () => {
      await guarded.return(undefined);
    },
  };
  return { events: guarded, recorded };
}
