/**
 * The fallback walk run inside the calling process, step for step the state
 * machine in `fallback-definition.ts`: retries with exponential backoff and
 * full jitter for transient failures, the next candidate otherwise, the
 * context floor set to the failed candidate's window after a context-length
 * failure, and a stop for failures that end the chain. The shared scenario
 * table in `test/e2e/fallback-runners.test.ts` holds the two to the same paths.
 *
 * The router uses it when a request is too large to pass through Step
 * Functions (256 KB), and when the workflow cannot be started.
 */
import { runAttemptTask } from './attempt';
import type { AttemptDependencies } from './attempt-contract';
import { MIN_ATTEMPT_MS } from './attempt-gates';
import { CHAIN_ENDING_NAMES, errorNamesFor, RoutingError } from '../base/errors';
import type { AttemptTaskInput, FallbackInput, FallbackOutcome, FallbackRunner } from './fallback-contract';

export interface InProcessFallbackOptions {
  /** Random number in [0, 1) for jitter. @default Math.random */
  readonly random?: () => number;
  /** Replaces the backoff waits (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The same name lists the state machine's Retry and Catch use. */
const ENDS_CHAIN = new Set<string>([...errorNamesFor('stop'), ...CHAIN_ENDING_NAMES]);
const RETRYABLE = new Set(errorNamesFor('retry'));
const NEEDS_LARGER_CONTEXT = new Set(errorNamesFor('next-larger-context'));

export function createInProcessFallback(dependencies: AttemptDependencies, options: InProcessFallbackOptions = {}): FallbackRunner {
  return {
    async run(input: FallbackInput, signal: AbortSignal): Promise<FallbackOutcome> {
      const outcome = await walkInProcess(input, signal, (task) => runAttemptTask(task, dependencies), dependencies, options);
      return outcome.status === 'answered' ? { status: 'answered', ...outcome.answer } : outcome;
    },
  };
}

/** How a walk ended: with the task's answer, or as the state machine would report it. */
export type WalkOutcome<T> = { readonly status: 'answered'; readonly answer: T } | Exclude<FallbackOutcome, { status: 'answered' }>;

/**
 * The walk itself, for any attempt task: the fallback runner's (a whole
 * completion) and a streamed answer's (a stream that has produced its first
 * chunk), so both follow the same rules.
 */
export async function walkInProcess<T>(
  input: FallbackInput,
  signal: AbortSignal,
  attempt: (task: AttemptTaskInput) => Promise<T>,
  dependencies: Pick<AttemptDependencies, 'policy' | 'clock'>,
  options: InProcessFallbackOptions = {},
): Promise<WalkOutcome<T>> {
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { retry } = dependencies.policy.fallback;
  let contextFloor = input.contextFloor.value;
  let lastFailure: Error | undefined;
  /** Waits, but never past the point where an attempt could still start. */
  const pause = (ms: number) => sleep(Math.max(0, Math.min(ms, input.deadline - dependencies.clock.now() - MIN_ATTEMPT_MS)));
  if (input.initialWaitSeconds > 0) await pause(input.initialWaitSeconds * 1000);
  for (let index = input.cursor.index; index < input.candidateCount; index += 1) {
    const task: AttemptTaskInput = {
      requestId: input.requestId,
      callerId: input.callerId,
      keyBudget: input.keyBudget,
      tier: input.tier,
      route: input.route,
      request: input.request,
      model: input.candidates[index]!,
      contextFloor,
      attemptOffset: input.attemptOffset,
      deadline: input.deadline,
    };
    for (let retryCount = 0; ; retryCount += 1) {
      if (signal.aborted) return stopped(new RoutingError('deadline', 'the fallback was cut off by the deadline'));
      try {
        return { status: 'answered', answer: await attempt(task) };
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (ENDS_CHAIN.has(name)) return stopped(error as Error);
        if (RETRYABLE.has(name) && retryCount < retry.maxAttempts) {
          const ceilingMs = Math.min(retry.intervalSeconds * retry.backoffRate ** retryCount, retry.maxDelaySeconds) * 1000;
          await pause(random() * ceilingMs);
          continue;
        }
        // As the state machine's RaiseContextFloor: the failed candidate's window becomes the floor.
        if (NEEDS_LARGER_CONTEXT.has(name)) contextFloor = input.contextWindows[index]!;
        lastFailure = error as Error;
        break;
      }
    }
  }
  return { status: 'exhausted', error: lastFailure?.name ?? '', message: lastFailure?.message ?? '' };
}

function stopped(error: Error): Extract<FallbackOutcome, { status: 'stopped' }> {
  return { status: 'stopped', error: error.name, message: error.message };
}
