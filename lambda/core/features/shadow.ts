/**
 * Shadow traffic: a share of a route's (or tier's) requests is also sent to
 * a candidate model, after the caller has its answer, so a cheaper model can
 * be proved on real traffic before it becomes primary. An optional judge
 * compares the two answers. The caller never waits for, nor sees, any of it.
 *
 * The router only decides and hands a job to a {@link ShadowDispatcher} once
 * the response is sent (SQS in AWS, an in-process queue locally); the worker
 * ({@link runShadowJob}) makes the calls. Shadow and judge calls are attempts
 * like any other: priced, in the ledger (purposes `shadow` and `judge`), and
 * counted against budgets.
 */
import { createHash } from 'node:crypto';
import { attemptCandidate } from '../execution/attempt';
import type { AttemptContext, AttemptDependencies, AttemptRequest } from '../execution/attempt-contract';
import { afterAnswerNumbering } from '../execution/fallback-contract';
import { requestText } from '../routing/agent-turn';
import { isAttemptFailure } from '../base/errors';
import type { KeyBudget } from './managed-keys';
import { purposeOf } from '../accounting/ledger';
import { formatUsd, type NanoUsd } from '../accounting/money';
import type { Policy, ShadowSettings } from '../../policy/policy';
import type { Tier } from '../../policy/schema';
import type { RoutingDecision } from '../routing/decide-route';

/** What a report groups shadow results by: the route's name, or `tier-N`. */
export const shadowName = (decision: Pick<RoutingDecision, 'tier' | 'route'>) => decision.route ?? `tier-${decision.tier}`;

/** The route's shadow if it names one (or `false` for none), else its tier's; a named model is never shadowed. */
export function shadowFor(decision: Pick<RoutingDecision, 'tier' | 'route'>, policy: Pick<Policy, 'shadow' | 'routes'>): ShadowSettings | undefined {
  const route = decision.route === null ? undefined : policy.routes[decision.route];
  if (route?.shadow !== undefined) return route.shadow === false ? undefined : route.shadow;
  return decision.tier === null ? undefined : policy.shadow[decision.tier];
}

/** Whether this request is in the shadow's share: by a hash of its id, so a replay decides the same. */
export function sampled(requestId: string, percent: number): boolean {
  const draw = createHash('sha256').update(requestId).digest().readUInt32BE(0) / 0x1_0000_0000;
  return draw < percent / 100;
}

/** Everything the worker needs, prompt and primary answer included: never logged. */
export interface ShadowJob {
  readonly requestId: string;
  readonly callerId: string;
  readonly tier: Tier | null;
  readonly route: string | null;
  readonly keyBudget?: KeyBudget | null | undefined;
  /** The route's name or `tier-N`. */
  readonly name: string;
  /** The UTC day of the request. */
  readonly day: string;
  readonly candidate: string;
  readonly judge?: string | undefined;
  readonly request: AttemptRequest;
  readonly primary: {
    readonly model: string;
    readonly content: string;
    readonly latencyMs: number;
    /** The answer's attempts, as a decimal string of nano-USD (JSON has no bigint). */
    readonly costNanoUsd: string;
  };
}

export interface ShadowDispatcher {
  /** Hands the job on; resolves once it is queued, never after the shadow call. */
  send(job: ShadowJob): Promise<void>;
}

export type JudgeVerdict = 'win' | 'tie' | 'loss' | 'skipped';

/** One shadowed request, as stored for the report. */
export interface ShadowResult {
  readonly name: string;
  readonly day: string;
  readonly requestId: string;
  readonly callerId: string;
  readonly primary: { readonly model: string; readonly costNanoUsd: NanoUsd; readonly latencyMs: number };
  readonly candidate: { readonly model: string; readonly costNanoUsd: NanoUsd; readonly latencyMs: number; readonly outcome: string };
  /** From the candidate's side: `win` means the judge preferred the candidate's answer. */
  readonly judge?: { readonly model: string; readonly verdict: JudgeVerdict; readonly reason: string; readonly costNanoUsd: NanoUsd } | undefined;
}

export interface ShadowResultStore {
  put(result: ShadowResult): Promise<void>;
  readDay(name: string, day: string): Promise<ShadowResult[]>;
}

/** How long a shadow call may take: it keeps nobody waiting, but must end. */
export const SHADOW_DEADLINE_MS = 60_000;

/**
 * Who pays for shadow and judge calls: the operator's experiment, not the
 * caller whose request was copied. They are recorded under this caller id,
 * outside the caller's key budget and model limits, and reported apart
 * (`/v1/usage` by caller and by purpose); a budget of their own is
 * `budgets.callers["operator:experiments"]` in the policy.
 */
export const EXPERIMENTS_CALLER = 'operator:experiments';
const JUDGE_MAX_TOKENS = 200;
const MAX_REASON_CHARACTERS = 200;

const JUDGE_PROMPT =
  'You compare two answers to the same task, written by two AI assistants. Judge which is more correct, safe and complete for the task ' +
  'as asked; do not reward length or style. Reply with one JSON object and nothing else: ' +
  '{"better": "A" | "B" | "tie", "reason": "<one short sentence>"}.';

/**
 * The worker: asks the candidate, then the judge, and stores the result.
 * Every call is recorded in the ledger by the attempt itself; the result
 * holds what the report needs, and no prompt or answer text.
 */
export async function runShadowJob(job: ShadowJob, dependencies: AttemptDependencies & { readonly shadowResults: ShadowResultStore }): Promise<ShadowResult> {
  const { policy, ledger, clock, log } = dependencies;
  const candidate = policy.models.get(job.candidate);
  const base = { requestId: job.requestId, callerId: EXPERIMENTS_CALLER, tier: job.tier, route: job.route, keyBudget: null, deadline: clock.now() + SHADOW_DEADLINE_MS };
  // Only this run's calls are summed: a retried job must not count an earlier run's calls again.
  const numbers = new Set<number>();
  const numbering = afterAnswerNumbering(job.requestId, ledger);
  const nextNumber = async () => {
    const number = await numbering.take();
    numbers.add(number);
    return number;
  };
  const started = clock.now();
  let content: string | undefined;
  let outcome = 'success';
  if (!candidate) {
    outcome = 'not_in_policy';
  } else {
    try {
      content = (await attemptCandidate(candidate, job.request, { ...base, purpose: 'shadow' }, nextNumber, dependencies)).completion.content;
    } catch (error) {
      if (!isAttemptFailure(error)) throw error;
      outcome = error.name;
    }
  }
  const latencyMs = clock.now() - started;
  const judgeModel = job.judge === undefined ? undefined : policy.models.get(job.judge);
  let judged: { verdict: JudgeVerdict; reason: string } | undefined;
  if (judgeModel && content !== undefined) judged = await judge(job, content, judgeModel, { ...base, purpose: 'judge' }, nextNumber, dependencies);
  const records = await ledger.recordsFor(job.requestId);
  const spent = (purpose: string) =>
    records.filter((record) => numbers.has(record.attempt) && purposeOf(record) === purpose).reduce((sum, record) => sum + record.costNanoUsd, 0n);
  const result: ShadowResult = {
    name: job.name,
    day: job.day,
    requestId: job.requestId,
    callerId: job.callerId,
    primary: { model: job.primary.model, costNanoUsd: BigInt(job.primary.costNanoUsd), latencyMs: job.primary.latencyMs },
    candidate: { model: job.candidate, costNanoUsd: spent('shadow'), latencyMs, outcome },
    ...(judgeModel && judged ? { judge: { model: judgeModel.id, ...judged, costNanoUsd: spent('judge') } } : {}),
  };
  await dependencies.shadowResults.put(result);
  log.info('shadow compared', { requestId: job.requestId, name: job.name, candidate: job.candidate, outcome, verdict: judged?.verdict ?? null });
  return result;
}

async function judge(
  job: ShadowJob,
  candidateAnswer: string,
  model: NonNullable<ReturnType<Policy['models']['get']>>,
  context: AttemptContext,
  nextNumber: () => Promise<number>,
  dependencies: AttemptDependencies,
): Promise<{ verdict: JudgeVerdict; reason: string }> {
  // Judges favour one position; which answer is A is drawn from the request id, so position evens out over many requests.
  const candidateFirst = sampled(`${job.requestId}#judge-order`, 50);
  const [first, second] = candidateFirst ? [candidateAnswer, job.primary.content] : [job.primary.content, candidateAnswer];
  const request: AttemptRequest = {
    messages: [
      { role: 'system', content: JUDGE_PROMPT },
      { role: 'user', content: `<task>\n${requestText(job.request.messages)}\n</task>\n\n<answer_A>\n${first}\n</answer_A>\n\n<answer_B>\n${second}\n</answer_B>` },
    ],
    maxTokens: JUDGE_MAX_TOKENS,
    temperature: 0,
    cachePrompt: false,
    responseFormat: { type: 'text' },
  };
  let reply: string;
  try {
    reply = (await attemptCandidate(model, request, context, nextNumber, dependencies)).completion.content;
  } catch (error) {
    if (!isAttemptFailure(error)) throw error;
    return { verdict: 'skipped', reason: `the judge failed (${error.name})` };
  }
  const parsed = parseJudgement(reply);
  if (parsed === undefined) {
    dependencies.log.info('judge skipped: unparseable judge output', { requestId: job.requestId, judge: model.id, replyCharacters: reply.length });
    return { verdict: 'skipped', reason: 'the judge did not reply with the JSON asked for' };
  }
  const verdict: JudgeVerdict = parsed.better === 'tie' ? 'tie' : (parsed.better === 'A') === candidateFirst ? 'win' : 'loss';
  return { verdict, reason: parsed.reason.slice(0, MAX_REASON_CHARACTERS) };
}

/** A judge's reply, read strictly: exactly one JSON object naming A, B or a tie. */
export function parseJudgement(text: string): { better: 'A' | 'B' | 'tie'; reason: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.trim());
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { better, reason } = parsed as Record<string, unknown>;
  if (better !== 'A' && better !== 'B' && better !== 'tie') return undefined;
  return { better, reason: typeof reason === 'string' ? reason : '' };
}

/** The side-by-side of `npm run report -- --shadow NAME`. */
export interface ShadowReport {
  readonly object: 'switchyard.shadow';
  readonly name: string;
  readonly day: string;
  readonly requests: number;
  readonly primary: ShadowSide;
  readonly candidate: ShadowSide & { readonly failed: number };
  readonly judge: { readonly win: number; readonly tie: number; readonly loss: number; readonly skipped: number; readonly cost_usd: string };
  /** The route's (or tier's) requests that day, from the usage aggregates. */
  readonly route_requests: string;
  /** (primary − candidate) cost per compared request, times the day's requests; negative when the candidate costs more. */
  readonly projected_saving_usd: string;
}

export interface ShadowSide {
  readonly models: readonly string[];
  readonly cost_per_request_usd: string;
  readonly latency_p50_ms: number;
  readonly latency_p95_ms: number;
}

export function shadowReport(name: string, day: string, results: readonly ShadowResult[], routeRequests: bigint): ShadowReport {
  const count = BigInt(Math.max(results.length, 1));
  const side = (pick: (result: ShadowResult) => { model: string; costNanoUsd: NanoUsd; latencyMs: number }): ShadowSide => {
    const sides = results.map(pick);
    const latencies = sides.map((entry) => entry.latencyMs).sort((a, b) => a - b);
    const at = (share: number) => (latencies.length === 0 ? 0 : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]!));
    return {
      models: [...new Set(sides.map((entry) => entry.model))].sort(),
      cost_per_request_usd: formatUsd(sides.reduce((sum, entry) => sum + entry.costNanoUsd, 0n) / count),
      latency_p50_ms: at(0.5),
      latency_p95_ms: at(0.95),
    };
  };
  const verdicts = (verdict: JudgeVerdict) => results.filter((result) => result.judge?.verdict === verdict).length;
  const primaryCost = results.reduce((sum, result) => sum + result.primary.costNanoUsd, 0n);
  const candidateCost = results.reduce((sum, result) => sum + result.candidate.costNanoUsd, 0n);
  return {
    object: 'switchyard.shadow',
    name,
    day,
    requests: results.length,
    primary: side((result) => result.primary),
    candidate: { ...side((result) => result.candidate), failed: results.filter((result) => result.candidate.outcome !== 'success').length },
    judge: {
      win: verdicts('win'),
      tie: verdicts('tie'),
      loss: verdicts('loss'),
      skipped: verdicts('skipped'),
      cost_usd: formatUsd(results.reduce((sum, result) => sum + (result.judge?.costNanoUsd ?? 0n), 0n)),
    },
    route_requests: routeRequests.toString(),
    projected_saving_usd: formatUsd(results.length === 0 ? 0n : ((primaryCost - candidateCost) * routeRequests) / BigInt(results.length)),
  };
}

/** The side-by-side for people. */
export function renderShadowReport(report: ShadowReport): string {
  const row = (label: string, primary: string, candidate: string) => `  ${label.padEnd(24)} ${primary.padEnd(44)} ${candidate}`;
  return [
    `Shadow traffic on ${report.name} for ${report.day} (UTC): ${report.requests} request(s) compared, of ${report.route_requests} that day`,
    '',
    row('', 'primary', 'candidate'),
    row('models', report.primary.models.join(', ') || '-', report.candidate.models.join(', ') || '-'),
    row('cost per request', `$${report.primary.cost_per_request_usd}`, `$${report.candidate.cost_per_request_usd}`),
    row('latency p50 / p95', `${report.primary.latency_p50_ms} / ${report.primary.latency_p95_ms} ms`, `${report.candidate.latency_p50_ms} / ${report.candidate.latency_p95_ms} ms`),
    row('failed', '-', String(report.candidate.failed)),
    '',
    `Judge (for the candidate): ${report.judge.win} win, ${report.judge.tie} tie, ${report.judge.loss} loss, ${report.judge.skipped} skipped; judging cost $${report.judge.cost_usd}`,
    `Projected saving if the candidate became primary: $${report.projected_saving_usd} for the day's ${report.route_requests} request(s)`,
  ].join('\n');
}

/**
 * The local stand-in for the queue: jobs run in this process, one after
 * another, after the answer has gone. `idle()` resolves once every queued job
 * has run (for tests and a clean shutdown).
 */
export function createInProcessShadowQueue(run: (job: ShadowJob) => Promise<unknown>, log: AttemptDependencies['log']): ShadowDispatcher & { idle(): Promise<void>; pending(): number } {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    async send(job) {
      pending += 1;
      tail = tail
        .then(() => run(job))
        .then(
          () => undefined,
          (error: unknown) => log.error('shadow job failed', { requestId: job.requestId, name: job.name, error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => {
          pending -= 1;
        });
    },
    idle: () => tail,
    pending: () => pending,
  };
}

/** Shadow results held in memory: for unit tests. */
export function createMemoryShadowResultStore(): ShadowResultStore & { readonly results: ShadowResult[] } {
  const results: ShadowResult[] = [];
  return {
    results,
    async put(result) {
      const index = results.findIndex((entry) => entry.requestId === result.requestId && entry.name === result.name);
      if (index >= 0) results.splice(index, 1);
      results.push(result);
    },
    async readDay(name, day) {
      return results.filter((result) => result.name === name && result.day === day);
    },
  };
}
