/**
 * The built-in mock provider: answers without calling any model, clearly
 * labelled as simulated, with usage figures shaped like a real model's so that
 * routing, pricing and the ledger behave as they would in production.
 */
import { estimateTokens } from '../core/classifier';
import { ProviderError } from '../core/errors';
import type { Completion, CompletionCall, ProviderAdapter } from '../core/provider';

export interface MockOptions {
  /** Provider id the mock stands in for (`mock`, or a simulated `bedrock`). */
  readonly provider: string;
  /** Simulated model latency. @default 0 */
  readonly latencyMs?: number;
}

const WORDS_PER_TOKEN = 0.75;

export function createMockAdapter(options: MockOptions): ProviderAdapter {
  const latencyMs = options.latencyMs ?? 0;
  return {
    async complete(call: CompletionCall): Promise<Completion> {
      if (latencyMs > 0) await delay(latencyMs, call.signal, options.provider, call.model.id);
      const lastUser = [...call.messages].reverse().find((message) => message.role === 'user');
      const words = lastUser ? lastUser.content.split(/\s+/).filter(Boolean).length : 0;
      const answer =
        `[simulated by Switchyard's mock provider: no model was called] ${call.model.id} would answer here. ` +
        `Your last message had ${words} words across ${call.messages.length} message(s).`;
      const answerTokens = Math.ceil(answer.split(/\s+/).length / WORDS_PER_TOKEN);
      const output = Math.min(answerTokens, call.maxTokens);
      return {
        content: output < answerTokens ? truncateToTokens(answer, output) : answer,
        finishReason: output < answerTokens ? 'length' : 'stop',
        usage: { input: estimateTokens(call.messages), output, cacheRead: 0, cacheWrite: 0 },
        simulated: true,
      };
    },
  };
}

function truncateToTokens(text: string, tokens: number): string {
  return text
    .split(/\s+/)
    .slice(0, Math.max(1, Math.floor(tokens * WORDS_PER_TOKEN)))
    .join(' ');
}

function delay(ms: number, signal: AbortSignal, provider: string, model: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = () =>
      reject(new ProviderError('timeout', 'simulated call cut off by the deadline', { provider, model }));
    if (signal.aborted) return timeout();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      timeout();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
