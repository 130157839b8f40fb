/**
 * One attempt at one candidate model: the unit of work of the router's first,
 * in-process try, of a streamed answer's walk and of the fallback's attempt
 * task ({@link runAttemptTask}).
 *
 * {@link openAttempt} passes the attempt's gates (`attempt-gates.ts`), takes
 * its number and fits the call to the model; the caller makes the call. One
 * settle step then writes down how it ended, whatever that was: the budgets
 * settled to the actual cost, the record (built by the pure
 * {@link buildAttemptRecord}) written to the ledger, the model's circuit
 * updated. Failures are rethrown for the caller or the state machine to route
 * on; nothing here decides what comes next.
 */
import type { AttemptOutcome, AttemptRecord } from '../accounting/ledger';
import { costOf } from '../accounting/money';
import { countsAgainstCircuit, ProviderError, RoutingError, type ProviderFailureKind } from '../base/errors';
import { NO_USAGE } from '../content/token-usage';
import type { Completion } from '../model/completion';
import type { CompletionCall, ProviderAdapter } from '../model/provider';
import type { TokenUsage } from '../model/usage';
import { estimateTokens } from '../routing/token-estimate';
import type { ModelSpec } from '../../policy/policy';
import { answerAccumulator } from './answer-accumulator';
import type { AttemptContext, AttemptDependencies, AttemptNumbering, AttemptRequest, AttemptSuccess, OpenAttempt } from './attempt-contract';
import { circuitBookkeeping, honourRetryAfter, MIN_ATTEMPT_MS, passCircuit, requireTimeLeft, reserveBudget, type BudgetHold } from './attempt-gates';
import { circuitStatus, type CircuitState } from './circuit-breaker';
import { taskNumbering, type AttemptTaskInput, type AttemptTaskOutput } from './fallback-contract';

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
  attemptNumber: AttemptNumbering['take'],
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
  const native = attempt.call.anthropicBody !== undefined ? { native: true } : {};
  return { completion: attempt.adjusted.length > 0 ? { ...completion, ...native, adjusted: attempt.adjusted } : { ...completion, ...native }, record };
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
  attemptNumber: AttemptNumbering['take'],
  dependencies: AttemptDependencies,
): Promise<OpenAttempt> {
  const { policy, providers, clock } = dependencies;
  requireTimeLeft(model, context.deadline, clock.now());
  const circuit = await passCircuit(model, dependencies);
  const budget = await reserveBudget(model, request, context, dependencies);
  let number: number;
  try {
    number = await attemptNumber();
  } catch (error) {
    await budget?.settle(0n).catch(() => undefined);
    throw error;
  }
  const startedAt = clock.now();
  const simulated = providers.isSimulated(model.provider);
  const settle = (end: AttemptEnd, ending: AttemptEnding) => {
    const record = buildAttemptRecord({ model, context, number, startedAt, endedAt: clock.now(), ending }, policy.flagship);
    return settleAttempt(record, end, { model, deadline: context.deadline, budget, circuit }, dependencies);
  };
  return {
    model,
    number,
    simulated,
    ...fitCall(model, request, context.deadline - startedAt, dependencies),
    async succeeded(usage, simulated, estimated = false) {
      return (await settle('answered', { outcome: 'success', usage, simulated, estimated })).record;
    },
    async failed(error) {
      if (!(error instanceof ProviderError)) {
        await settle('failed', { outcome: 'aborted', usage: NO_USAGE, simulated, estimated: false });
        throw error;
      }
      const { health } = await settle('failed', failedEnding(error, request, simulated));
      if (health.status === 'failed' && health.cutByDeadline) throw new RoutingError('deadline', `${model.id} was cut off by the request's deadline`);
      await honourRetryAfter(error, context.deadline, dependencies);
      throw error;
    },
    async brokeOff(outcome, usage, simulated, estimated) {
      return (await settle('broke-off', { outcome, usage, simulated, estimated })).record;
    },
  };
}

/**
 * The call as `model` takes it: the output budget clamped to the model's,
 * what it lacks the capability for left out (and said so), the adapter's own
 * adjustments; and how long to wait, for the first token and for the whole
 * output budget at the model's slowest rate, never past the deadline.
 */
function fitCall(
  model: ModelSpec,
  request: AttemptRequest,
  untilDeadlineMs: number,
  dependencies: Pick<AttemptDependencies, 'policy' | 'providers'>,
): Pick<OpenAttempt, 'call' | 'adjusted' | 'firstTokenMs' | 'timeoutMs'> {
  const maxTokens = Math.min(request.maxTokens, model.maxOutputTokens);
  const firstTokenMs = dependencies.policy.fallback.attemptTimeoutSeconds * 1000;
  const adapter = dependencies.providers.get(model.provider);
  // A Messages request goes to a provider that serves that API itself as it came.
  const native = request.anthropicBody !== undefined && adapter.speaksAnthropicMessages?.(model) === true;
  const call: Omit<CompletionCall, 'signal'> = {
    model,
    messages: request.messages,
    maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    stop: request.stop,
    cachePrompt: request.cachePrompt === true && model.promptCaching,
    ...(request.promptCacheKey !== undefined ? { promptCacheKey: request.promptCacheKey } : {}),
    responseFormat: request.responseFormat ?? { type: 'text' },
    tools: request.tools ?? [],
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    betas: (request.betas ?? []).filter((flag) => model.anthropicBetas.has(flag)),
    reasoning: model.capabilities.has('reasoning') ? request.reasoning : undefined,
    ...(native ? { anthropicBody: request.anthropicBody } : {}),
  };
  const reasoningNotSent = request.reasoning !== undefined && call.reasoning === undefined ? [`reasoning not sent (${model.id} has no reasoning capability)`] : [];
  // Clients that always ask for a lot (Claude Code: 128,000) get the model's own maximum, and are told.
  const lowered = request.maxTokensAsked === true && maxTokens < request.maxTokens ? [`max_tokens ${request.maxTokens}->${maxTokens} (${model.id}'s maximum output)`] : [];
  const fitted = adapter.adjust?.(call) ?? { call, adjusted: [] };
  return {
    call: fitted.call,
    adjusted: [...lowered, ...reasoningNotSent, ...fitted.adjusted],
    firstTokenMs: Math.max(1, Math.min(untilDeadlineMs, firstTokenMs)),
    timeoutMs: Math.max(1, Math.min(untilDeadlineMs, firstTokenMs + Math.ceil((maxTokens * 1000) / model.outputTokensPerSecond))),
  };
}

/** How an attempt ended, as its record tells it. */
export interface AttemptEnding {
  readonly outcome: AttemptOutcome;
  readonly usage: TokenUsage;
  readonly simulated: boolean;
  /** The usage is the router's estimate, not the provider's count. */
  readonly estimated: boolean;
}

/** What a failed call is recorded with: what the provider reported, or, when it read the prompt and reported nothing, the prompt's estimate. */
function failedEnding(error: ProviderError, request: AttemptRequest, simulated: boolean): AttemptEnding {
  // The provider read the prompt but reported no usage (a call we stopped waiting for, or one that
  // failed after its 200 answer began): never record it at $0.
  const promptRead = error.usage === undefined && ((error.kind === 'timeout' && error.status === undefined) || error.status === 200);
  if (promptRead) return { outcome: error.kind, usage: { ...NO_USAGE, input: estimateTokens(request.messages, request.tools) }, simulated, estimated: true };
  return { outcome: error.kind, usage: error.usage ?? NO_USAGE, simulated, estimated: error.usageEstimated };
}

/** Everything an attempt's ledger record is made of. */
export interface AttemptFacts {
  readonly model: ModelSpec;
  readonly context: Pick<AttemptContext, 'requestId' | 'callerId' | 'tier' | 'route' | 'purpose'>;
  readonly number: number;
  /** Epoch ms: once the gates had passed, and when the attempt settled. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ending: AttemptEnding;
}

/**
 * An attempt's ledger record: priced at the model's list price, with what the
 * same tokens would have cost on the flagship, so savings are measured. Pure.
 */
export function buildAttemptRecord(facts: AttemptFacts, flagship: Pick<ModelSpec, 'price'>): AttemptRecord {
  const { model, context, ending } = facts;
  const extraWork = context.purpose !== undefined && context.purpose !== 'answer';
  return {
    requestId: context.requestId,
    attempt: facts.number,
    startedAt: new Date(facts.startedAt).toISOString(),
    callerId: context.callerId,
    tier: context.tier,
    route: context.route,
    provider: model.provider,
    model: model.id,
    usage: ending.usage,
    costNanoUsd: costOf(ending.usage, model.price),
    // An embedding has no cheaper-model counterfactual: the flagship is a chat model. A verification has none at all.
    flagshipCostNanoUsd: extraWork ? 0n : costOf(ending.usage, model.type === 'embedding' ? model.price : flagship.price),
    latencyMs: facts.endedAt - facts.startedAt,
    outcome: ending.outcome,
    simulated: ending.simulated,
    estimated: ending.estimated,
    ...(extraWork ? { purpose: context.purpose } : {}),
  };
}

/** Where the call stood when the attempt ended: it answered, it failed before answering, or it broke off after its answer began. */
type AttemptEnd = 'answered' | 'failed' | 'broke-off';

/** What an attempt's end says about its model's health: for its circuit and the failure metric. */
type ModelHealth =
  | { readonly status: 'good' }
  | { readonly status: 'unknown' }
  | { readonly status: 'failed'; readonly kind: ProviderFailureKind; readonly cutByDeadline: boolean };

/**
 * Neither a caller that went away nor the request's own deadline says
 * anything about the model: neither counts against its circuit. A call the
 * deadline cut before it answered still counts in the failure metric, as the
 * caller got no answer; a stream it cut after the answer began does not.
 */
function modelHealth(end: AttemptEnd, outcome: AttemptOutcome, late: boolean): ModelHealth {
  if (outcome === 'success') return { status: 'good' };
  if (outcome === 'aborted') return { status: 'unknown' };
  const cutByDeadline = late && (outcome === 'timeout' || (end === 'failed' && outcome === 'generation_timeout'));
  if (cutByDeadline && end === 'broke-off') return { status: 'unknown' };
  return { status: 'failed', kind: outcome, cutByDeadline };
}

/** What an open attempt holds until it settles. */
interface HeldAttempt {
  readonly model: ModelSpec;
  readonly deadline: number;
  readonly budget: BudgetHold | undefined;
  /** The circuit as the gate saw it. */
  readonly circuit: CircuitState;
}

/**
 * The one settle step of every attempt: the budgets' reserve replaced by the
 * actual cost, the record written to the ledger, then the model's circuit
 * told what the end says about it (judged after the writes, by the clock
 * then). Storage faults are logged, never thrown: the tokens are spent either way.
 */
async function settleAttempt(
  record: AttemptRecord,
  end: AttemptEnd,
  held: HeldAttempt,
  dependencies: AttemptDependencies,
): Promise<{ readonly record: AttemptRecord; readonly health: ModelHealth }> {
  const { circuits, clock, ledger, log, metrics } = dependencies;
  const { model, circuit } = held;
  try {
    await held.budget?.settle(record.costNanoUsd);
  } catch (error) {
    log.error('budget settle failed', { requestId: record.requestId, budgets: held.budget?.budgets, error: String(error) });
  }
  try {
    await ledger.record([record]);
  } catch (error) {
    // The tokens are spent: keep a full copy (no prompt text) in the log to replay into the ledger.
    log.error('ledger write failed', { requestId: record.requestId, records: [record], error });
  }
  const health = modelHealth(end, record.outcome, clock.now() >= held.deadline - MIN_ATTEMPT_MS);
  if (health.status === 'good' && (circuit.failures > 0 || circuit.openUntil > 0)) {
    await circuitBookkeeping(model, 'record success', () => circuits.recordSuccess(model.id), undefined, log);
  }
  if (health.status !== 'failed') return { record, health };
  metrics?.count('ProviderFailures', { FailureKind: health.kind });
  if (!health.cutByDeadline && countsAgainstCircuit(health.kind)) {
    const state = await circuitBookkeeping(model, 'record failure', () => circuits.recordFailure(model.id, clock.now()), circuit, log);
    if (circuitStatus(state, clock.now()) === 'open') {
      log.error('circuit opened', { model: model.id, failures: state.failures, openUntil: new Date(state.openUntil).toISOString() });
      metrics?.count('CircuitOpened', { Model: model.id });
    }
  }
  return { record, health };
}

/**
 * The attempt task the fallback runs for each candidate (a Lambda invocation
 * under Step Functions, a call in-process): the same {@link attemptCandidate},
 * numbered through the ledger so concurrent tasks and retries never share a number.
 */
export async function runAttemptTask(input: AttemptTaskInput, dependencies: AttemptDependencies): Promise<AttemptTaskOutput> {
  const { completion } = await attemptCandidate(taskModel(input, dependencies), input.request, input, taskNumbering(input, dependencies.ledger).take, dependencies);
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
