/**
 * The one seam between the router and the model providers. Each adapter in
 * `lambda/providers/` builds its provider's request, parses the response,
 * normalises usage and sorts its failures into {@link ProviderError} kinds.
 */
import type { ChatMessage } from './chat-request';
import type { ModelSpec, ProviderConfig } from './policy';
import type { TokenUsage } from './usage';

export interface CompletionCall {
  readonly model: ModelSpec;
  readonly messages: readonly ChatMessage[];
  /** Already clamped to the model's own output limit. */
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[] | undefined;
  /** Fires when the request's deadline passes; adapters must stop waiting then. */
  readonly signal: AbortSignal;
}

export type FinishReason = 'stop' | 'length';

export interface Completion {
  readonly content: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  /** True when no real model produced the answer (the mock provider). */
  readonly simulated: boolean;
}

export interface ProviderAdapter {
  /** Resolves with a completion, or rejects with a `ProviderError`. */
  complete(call: CompletionCall): Promise<Completion>;
}

export type ProviderKind = ProviderConfig['kind'];

/** Adapters by provider id (the part of a model id before the slash). */
export interface ProviderRegistry {
  get(provider: string): ProviderAdapter;
  /** Whether the provider answers with real models or is simulated. */
  isSimulated(provider: string): boolean;
}
