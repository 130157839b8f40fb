/**
 * A provider registry whose answers a test scripts per model: the boundary
 * of the core's unit tests. Real adapters are tested against wire servers.
 */
import { ProviderError, type ProviderFailureKind } from '../../lambda/core/base/errors';
import type { CompletionCall, ProviderRegistry } from '../../lambda/core/model/provider';
import type { Completion } from '../../lambda/core/model/completion';
import type { TokenUsage } from '../../lambda/core/model/usage';

export type ScriptedOutcome =
  | { readonly ok: true; readonly usage: TokenUsage; readonly content?: string }
  | { readonly ok: false; readonly kind: ProviderFailureKind; readonly usage?: TokenUsage; readonly delayMs?: number };

export interface ScriptedRegistry extends ProviderRegistry {
  readonly calls: CompletionCall[];
}

export function scriptedRegistry(outcomes: Readonly<Record<string, ScriptedOutcome>>): ScriptedRegistry {
  const calls: CompletionCall[] = [];
  return {
    calls,
    isSimulated: () => false,
    get: (provider) => ({
      async complete(call): Promise<Completion> {
        calls.push(call);
        const outcome = outcomes[call.model.id];
        if (!outcome) throw new Error(`no script for ${call.model.id} (provider ${provider})`);
        if (!outcome.ok) {
          if (outcome.delayMs) await new Promise((resolve) => setTimeout(resolve, outcome.delayMs));
          throw new ProviderError(outcome.kind, `scripted ${outcome.kind}`, {
            provider,
            model: call.model.id,
            ...(outcome.usage ? { usage: outcome.usage } : {}),
          });
        }
        return { content: outcome.content ?? `answer from ${call.model.id}`, finishReason: 'stop', usage: outcome.usage, simulated: false };
      },
    }),
  };
}

export const usage = (input: number, output: number): TokenUsage => ({ input, output, cacheRead: 0, cacheWrite: 0 });
