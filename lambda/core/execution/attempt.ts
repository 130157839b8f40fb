/**
 * One attempt at one candidate model: the unit of work of both the router's
 * first, in-process attempt and the fallback's attempt task ({@link runAttemptTask}).
 *
 * It gates the call on the model's circuit and the deadline, makes the call,
 * records the attempt in the ledger (successful or not, with the tokens it
 * used) and updates the circuit. Failures are rethrown for the caller or the
 * state machine to route on; nothing here decides what comes next.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSED, circuitStatus, type CircuitStore } from './circuit-breaker';
import { answerAccumulator } from './answer-accumulator';
import type { ReasoningRequest } from '../model/reasoning';
import type { ToolChoice, ToolDefinition } from '../model/tool';
import type { ChatMessage } from '../model/message';
import type { ResponseFormat } from '../model/chat-request';
import type { KeyBudget } from '../features/managed-keys';
import { reserveBudgets, trackedBudgets, worstCaseAttemptCost, type BudgetStore } from '../accounting/budgets';
import { countsAgainstCircuit, ProviderError, RoutingError, type ProviderFailureKind } from '../base/errors';
import type { AttemptTaskInput, AttemptTaskOutput } from './fallback-contract';
import type { Log, MetricSink } from '../base/telemetry';
import { estimateTokens, maxInputTokens } from '../routing/token-estimate';
import type { AttemptOutcome, AttemptPurpose, AttemptRecord, Ledger } from '../accounting/ledger';
import { costOf } from '../accounting/money';
import type { ModelSpec, Policy, Tier } from '../../policy/policy';
import type { CompletionCall, ProviderAdapter, ProviderRegistry } from '../model/provider';
import type { Completion } from '../model/completion';
import { NO_USAGE } from '../content/token-usage';
import type { TokenUsage } from '../model/usage';

/** Below this much time left an attempt is not started: it could not finish. */
export const MIN_ATTEMPT_MS = 250;

/** The request as every attempt sends it: the output budget is already decided. */
export interface AttemptRequest {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
  readonly stop?: readonly string[] | undefined;
  /** Mark the prompt prefix for caching where the model supports it. @default false */
  readonly cachePrompt?: boolean | undefined;
  /** The shape the answer must take. @default text */
  readonly responseFormat?: ResponseFormat | undefined;
  /** Functions the model may call. @default none */
  readonly tools?: readonly ToolDefinition[] | undefined;
  readonly toolChoice?: ToolChoice | undefined;
  readonly parallelToolCalls?: boolean | undefined;
  /** anthropic-beta flags the caller sent. @default none */
  readonly betas?: readonly string[] | undefined;
  /** Asked-for reasoning; sent to models with the `reasoning` capability. @default none */
  readonly reasoning?: ReasoningRequest | undefined;
}

export interface AttemptContext {
  readonly requestId: string;
  readonly callerId: string;
  readonly tier: Tier | null;
  readonly route: string | null;
  /** Epoch ms by which the whole request must be answered. */
  readonly deadline: number;
  /** The managed key's own daily budget, which stands in for the policy's budget for the caller. @default none */
  readonly keyBudget?: KeyBudget | null | undefined;
  /** @default 'answer' */
  readonly purpose?: AttemptPurpose | undefined;
}

export interface AttemptDependencies {
  readonly policy: Policy;
  readonly providers: ProviderRegistry;
  readonly ledger: Ledger;
  readonly circuits: CircuitStore;
  /** Where `block` and `downgrade` budgets keep the day's committed spend. */
  readonly budgets: BudgetStore;
  readonly clock: { now(): number };
  readonly log: Log;
  /** @default no metrics */
  readonly metrics?: MetricSink;
  /** Waits out a provider's retry-after; the signal fires at the deadline. @default node:timers/promises setTimeout */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface AttemptSuccess {
  readonly completion: Completion;
  readonly record: AttemptRecord;
}

/**
 * An attempt that has passed its gates (time, circuit, budget) and holds its
 * number: the call to make, and how to settle it. Every path settles exactly
 * once, so every attempt that reached a provider is in the ledger once.
 */
export interface OpenAttempt {
  readonly model: ModelSpec;
  readonly number: number;
  /** The provider answers without a real model (the mock). */
  readonly simulated: boolean;
  /** The provider call, without its signal: a whole-call timeout or a per-chunk idle timeout is the caller's choice. */
  readonly call: Omit<CompletionCall, 'signal'>;
  /** What the provider's adapter changed in the call so the provider takes it. */
  readonly adjusted: readonly string[];
  /** How long to wait for the first token (and, streaming, for each next one) before the provider counts as hung. */
  readonly firstTokenMs: number;
  /** How long the whole call may take: the first-token wait plus the output budget at the model's slowest rate, within the deadline. */
  readonly timeoutMs: number;
  /** Records a finished call and closes the model's circuit. */
  succeeded(usage: TokenUsage, simulated: boolean, estimated?: boolean): Promise<AttemptRecord>;
  /**
   * Records a call that failed before it answered anything, counts it against
   * the circuit, waits out a retry-after that fits, and throws what routing
   * acts on: the error, or `DeadlineExceeded` when the deadline cut the call.
   */
  failed(error: unknown): Promise<never>;
  /**
   * Records a call that stopped after part of its answer went out: a broken
   * stream (counted against the circuit like any failure of its kind) or a
   * caller that went away (`aborted`). Nothing is retried: the answer has begun.
   */
  brokeOff(outcome: Exclude<AttemptOutcome, 'success'>, usage: TokenUsage, simulated: boolean, estimated: boolean): Promise<AttemptRecord>;
}

/**
 * Tries `model` once. `attemptNumber` is called only once the gates have
 * passed, so skipped candidates use no number.
 * @throws ProviderError when the provider failed (after recording the attempt)
 * @throws RoutingError when the candidate was skipped or no time is left
 */
export async function attemptCandidate(
  model: ModelSpec,
  request: AttemptRequest,
  context: AttemptContext,
  attemptNumber: () => Promise<number>,
  dependencies: AttemptDependencies,
): Promise<AttemptSuccess> {
  const attempt = await openAttempt(model, request, context, attemptNumber, dependencies);
  const provider = dependencies.providers.get(model.provider);
  let answer: { completion: Completion; estimated: boolean };
  try {
    answer = provider.stream
      ? await readWholeStream(provider as Required<ProviderAdapter>, attempt, request)
      : { completion: await provider.complete({ ...attempt.call, signal: AbortSignal.timeout(attempt.timeoutMs) }), estimated: false };
  } catch (error) {
    return attempt.failed(error);
  }
  const { completion, estimated } = answer;
  const record = await attempt.succeeded(completion.usage, completion.simulated, estimated);
  return { completion: attempt.adjusted.length > 0 ? { ...completion, adjusted: attempt.adjusted } : completion, record };
}

/**
 * A whole answer, read as a stream so the router can tell a hung provider from
 * a slow answer: no first token within `firstTokenMs` is a `timeout` (retried,
 * counted against the circuit); running out of time after it is a
 * `generation_timeout` (the next candidate, not counted), charged for the
 * prompt and for the output seen so far.
 */
async function readWholeStream(
  provider: Required<ProviderAdapter>,
  attempt: OpenAttempt,
  request: AttemptRequest,
): Promise<{ completion: Completion; estimated: boolean }> {
  const hung = new AbortController();
  const firstTokenTimer = setTimeout(() => hung.abort(new DOMException('no first token in time', 'TimeoutError')), attempt.firstTokenMs);
  const signal = AbortSignal.any([AbortSignal.timeout(attempt.timeoutMs), hung.signal]);
  const answer = answerAccumulator(request);
  let started = false;
  try {
    for await (const chunk of provider.stream({ ...attempt.call, signal })) {
      clearTimeout(firstTokenTimer);
      started = true;
      if (chunk.type === 'end') return answer.complete(chunk, attempt.simulated);
      answer.add(chunk);
    }
    throw new ProviderError('malformed_response', 'the stream ended without its end', { provider: attempt.model.provider, model: attempt.model.id, status: 200 });
  } catch (error) {
    // Before the first token the failure is the provider's own, as `complete` would have reported it.
    if (!(error instanceof ProviderError) || !started || (error.status !== 200 && error.kind !== 'timeout')) throw error;
    const details = {
      provider: error.provider,
      model: error.model,
      status: error.status,
      usage: error.usage ?? answer.seen(),
      usageEstimated: error.usage === undefined,
      cause: error,
    };
    if (error.kind !== 'timeout') throw new ProviderError(error.kind, error.message, details);
    throw new ProviderError('generation_timeout', `ran out of time after the answer began (${error.message})`, details);
  } finally {
    clearTimeout(firstTokenTimer);
  }
}

/**
 * Passes the gates of one attempt at `model` and takes its number.
 * @throws RoutingError when the candidate is skipped or no time is left
 * @throws BudgetExceededError when a `block` budget refuses its worst case
 */
export async function openAttempt(
  model: ModelSpec,
  request: AttemptRequest,
  context: AttemptContext,
  attemptNumber: () => Promise<number>,
  dependencies: AttemptDependencies,
): Promise<OpenAttempt> {
  const { policy, providers, ledger, circuits, clock, log } = dependencies;
  if (context.deadline - clock.now() < MIN_ATTEMPT_MS) {
    throw new RoutingError('deadline', `no time left to try ${model.id}`);
  }
  // Circuit bookkeeping never costs an answer: if the store fails, the circuit counts as closed.
  const guarded = async <T>(what: string, work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      log.error('circuit store failed', { model: model.id, operation: what, error: String(error) });
      return fallback;
    }
  };
  const circuit = await guarded('read', async () => (await circuits.read([model.id])).get(model.id)!, CLOSED);
  const status = circuitStatus(circuit, clock.now());
  if (status === 'open' || (status === 'half-open' && !(await guarded('probe', () => circuits.claimProbe(model.id, clock.now()), true)))) {
    dependencies.metrics?.count('CircuitSkipped', { Model: model.id });
    throw new RoutingError('skipped', `${model.id} skipped: its circuit is open`);
  }

  const tracked = trackedBudgets(policy, context.callerId, context.keyBudget);
  const settle =
    tracked.length > 0
      ? await reserveBudgets(
          dependencies.budgets,
          tracked,
          worstCaseAttemptCost(model, maxInputTokens(request.messages, request.tools), request.maxTokens),
          clock.now(),
          { model: model.id, maxTokens: request.maxTokens },
        )
      : undefined;

  let number: number;
  try {
    number = await attemptNumber();
  } catch (error) {
    await settle?.(0n).catch(() => undefined);
    throw error;
  }
  const startedAt = clock.now();
  const extraWork = context.purpose !== undefined && context.purpose !== 'answer';
  const record = async (usage: TokenUsage, outcome: AttemptOutcome, simulated: boolean, estimated = false): Promise<AttemptRecord> => {
    const entry: AttemptRecord = {
      requestId: context.requestId,
      attempt: number,
      startedAt: new Date(startedAt).toISOString(),
      callerId: context.callerId,
      tier: context.tier,
      route: context.route,
      provider: model.provider,
      model: model.id,
      usage,
      costNanoUsd: costOf(usage, model.price),
      // An embedding has no cheaper-model counterfactual: the flagship is a chat model. A verification has none at all.
      flagshipCostNanoUsd: extraWork ? 0n : costOf(usage, model.type === 'embedding' ? model.price : policy.flagship.price),
      latencyMs: clock.now() - startedAt,
      outcome,
      simulated,
      estimated,
      ...(extraWork ? { purpose: context.purpose } : {}),
    };
    try {
      await settle?.(entry.costNanoUsd);
    } catch (error) {
      log.error('budget settle failed', { requestId: context.requestId, budgets: tracked.map((budget) => budget.id), error: String(error) });
    }
    try {
      await ledger.record([entry]);
    } catch (error) {
      // The tokens are spent: keep a full copy (no prompt text) in the log to replay into the ledger.
      log.error('ledger write failed', { requestId: context.requestId, records: [entry], error });
    }
    return entry;
  };
  const countFailure = async (kind: ProviderFailureKind) => {
    dependencies.metrics?.count('ProviderFailures', { FailureKind: kind });
    if (!countsAgainstCircuit(kind)) return;
    const state = await guarded('record failure', () => circuits.recordFailure(model.id, clock.now()), circuit);
    if (circuitStatus(state, clock.now()) === 'open') {
      log.error('circuit opened', { model: model.id, failures: state.failures, openUntil: new Date(state.openUntil).toISOString() });
      dependencies.metrics?.count('CircuitOpened', { Model: model.id });
    }
  };

  const maxTokens = Math.min(request.maxTokens, model.maxOutputTokens);
  const firstTokenMs = policy.fallback.attemptTimeoutSeconds * 1000;
  const call: Omit<CompletionCall, 'signal'> = {
    model,
    messages: request.messages,
    maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    stop: request.stop,
    cachePrompt: request.cachePrompt === true && model.promptCaching,
    responseFormat: request.responseFormat ?? { type: 'text' },
    tools: request.tools ?? [],
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    betas: (request.betas ?? []).filter((flag) => model.anthropicBetas.has(flag)),
    reasoning: model.capabilities.has('reasoning') ? request.reasoning : undefined,
  };
  const reasoningNotSent = request.reasoning !== undefined && call.reasoning === undefined ? [`reasoning not sent (${model.id} has no reasoning capability)`] : [];
  const fitted = providers.get(model.provider).adjust?.(call) ?? { call, adjusted: [] };
  return {
    model,
    number,
    simulated: providers.isSimulated(model.provider),
    call: fitted.call,
    adjusted: [...reasoningNotSent, ...fitted.adjusted],
    firstTokenMs: Math.max(1, Math.min(context.deadline - startedAt, firstTokenMs)),
    timeoutMs: Math.max(1, Math.min(context.deadline - startedAt, firstTokenMs + Math.ceil((maxTokens * 1000) / model.outputTokensPerSecond))),
    async succeeded(usage, simulated, estimated = false) {
      const entry = await record(usage, 'success', simulated, estimated);
      if (circuit.failures > 0 || circuit.openUntil > 0) await guarded('record success', () => circuits.recordSuccess(model.id), undefined);
      return entry;
    },
    async failed(error) {
      const simulated = providers.isSimulated(model.provider);
      if (!(error instanceof ProviderError)) {
        await record(NO_USAGE, 'aborted', simulated);
        throw error;
      }
      // The provider read the prompt but reported no usage (a call we stopped waiting for, or one that
      // failed after its 200 answer began): never record it at $0.
      const promptRead = error.usage === undefined && ((error.kind === 'timeout' && error.status === undefined) || error.status === 200);
      if (promptRead) await record({ ...NO_USAGE, input: estimateTokens(request.messages, request.tools) }, error.kind, simulated, true);
      else await record(error.usage ?? NO_USAGE, error.kind, simulated, error.usageEstimated);
      // A call cut off by the request's own deadline says nothing about the model's health, and ends the chain.
      const cutByDeadline = (error.kind === 'timeout' || error.kind === 'generation_timeout') && clock.now() >= context.deadline - MIN_ATTEMPT_MS;
      if (cutByDeadline) {
        dependencies.metrics?.count('ProviderFailures', { FailureKind: error.kind });
        throw new RoutingError('deadline', `${model.id} was cut off by the request's deadline`);
      }
      await countFailure(error.kind);
      await honourRetryAfter(error, context.deadline, dependencies);
      throw error;
    },
    async brokeOff(outcome, usage, simulated, estimated) {
      const entry = await record(usage, outcome, simulated, estimated);
      // As in `failed`: the caller leaving, or the request's own deadline, says nothing about the model's health.
      const cutByDeadline = outcome === 'timeout' && clock.now() >= context.deadline - MIN_ATTEMPT_MS;
      if (outcome !== 'aborted' && !cutByDeadline) await countFailure(outcome);
      return entry;
    },
  };
}

/**
 * A throttled provider that says when to come back is waited for here, before
 * the failure is reported, so the retry that follows respects it. When the
 * wait would outlast the deadline the candidate is skipped instead.
 */
async function honourRetryAfter(error: ProviderError, deadline: number, dependencies: AttemptDependencies): Promise<void> {
  const { clock, wait = (ms, signal) => sleep(ms, undefined, { signal }) } = dependencies;
  if (error.kind !== 'throttled' || error.retryAfterMs === undefined || error.retryAfterMs <= 0) return;
  if (clock.now() + error.retryAfterMs + MIN_ATTEMPT_MS > deadline) {
    throw new RoutingError('skipped', `${error.model} asked to retry after ${error.retryAfterMs} ms, past the deadline`);
  }
  try {
    await wait(error.retryAfterMs, AbortSignal.timeout(Math.max(1, deadline - clock.now())));
  } catch {
    throw new RoutingError('deadline', `the deadline passed while waiting to retry ${error.model}`);
  }
}

/**
 * The attempt task the fallback runs for each candidate (a Lambda invocation
 * under Step Functions, a call in-process): the same {@link attemptCandidate},
 * numbered through the ledger so concurrent tasks and retries never share a number.
 */
export async function runAttemptTask(input: AttemptTaskInput, dependencies: AttemptDependencies): Promise<AttemptTaskOutput> {
  const { completion } = await attemptCandidate(taskModel(input, dependencies), input.request, input, taskNumbering(input, dependencies), dependencies);
  return { model: input.model, completion };
}

/** The task's candidate, unless the walk must skip it. @throws RoutingError `skipped` */
export function taskModel(input: AttemptTaskInput, dependencies: Pick<AttemptDependencies, 'policy'>): ModelSpec {
  const model = dependencies.policy.models.get(input.model);
  if (!model) throw new RoutingError('skipped', `${input.model} is not in this deployment's policy`);
  if (model.contextWindow <= input.contextFloor) {
    throw new RoutingError('skipped', `${model.id} has a context window of ${model.contextWindow}, not above ${input.contextFloor}`);
  }
  return model;
}

/** A fallback attempt's number: the next from the ledger's counter, after the offset. */
export function taskNumbering(input: AttemptTaskInput, dependencies: Pick<AttemptDependencies, 'ledger'>): () => Promise<number> {
  return () => dependencies.ledger.nextAttempt(input.requestId, input.attemptOffset);
}
