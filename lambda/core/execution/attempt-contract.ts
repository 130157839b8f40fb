/**
 * The attempt's contract, types only: what one attempt at one candidate model
 * is given (the request, its context, the services it uses) and what it hands
 * back (an open attempt to call and settle, or the answer and its record).
 * Every file in execution/ and its callers build on these; nothing they
 * implement is imported here, so no import runs back into this file.
 */
import type { AttemptOutcome, AttemptPurpose, AttemptRecord, Ledger } from '../accounting/ledger';
import type { BudgetStore } from '../accounting/budgets';
import type { Log, MetricSink } from '../base/telemetry';
import type { KeyBudget } from '../features/managed-keys';
import type { ResponseFormat } from '../model/chat-request';
import type { Completion } from '../model/completion';
import type { ChatMessage } from '../model/message';
import type { CompletionCall, ProviderRegistry } from '../model/provider';
import type { ReasoningRequest } from '../model/reasoning';
import type { ToolChoice, ToolDefinition } from '../model/tool';
import type { TokenUsage } from '../model/usage';
import type { ModelSpec, Policy } from '../../policy/policy';
import type { Tier } from '../../policy/schema';
import type { CircuitStore } from './circuit-breaker';

/** The request as every attempt sends it: the output budget is already decided. */
export interface AttemptRequest {
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  /** The caller set `maxTokens` itself (it is not the policy's default): a model that writes less is named. @default false */
  readonly maxTokensAsked?: boolean | undefined;
  readonly temperature?: number | undefined;
  readonly topP?: number | undefined;
  readonly stop?: readonly string[] | undefined;
  /** Mark the prompt prefix for caching where the model supports it. @default false */
  readonly cachePrompt?: boolean | undefined;
  /** The caller's Anthropic Messages request as sent, for providers that serve that API natively. @default none */
  readonly anthropicBody?: Readonly<Record<string, unknown>> | undefined;
  /** The caller's own prompt-cache key, for hosts that take one. @default none */
  readonly promptCacheKey?: string | undefined;
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

/** Who the attempt is for and by when: what its gates check and its record carries. */
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

/** The services an attempt uses, all passed in: the core reaches no AWS service or clock of its own. */
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

/** A candidate's whole answer, and its attempt's ledger record. */
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
 * Where an attempt takes its number from. `take` is called only once the
 * attempt's gates have passed, so a skipped candidate takes no number; the
 * rules of who hands out which number are in `fallback-contract.ts`.
 */
export interface AttemptNumbering {
  /** The next number: 1-based, never handed out twice within a request. */
  readonly take: () => Promise<number>;
  /** How many numbers this numbering has handed out. */
  readonly used: () => number;
}
