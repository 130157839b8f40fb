/** The provider call a test of an adapter sends, with a short deadline of its own. */
import type { ChatMessage } from '../../lambda/core/model/message';
import type { CompletionCall } from '../../lambda/core/model/provider';
import type { ModelSpec } from '../../lambda/policy/policy';

/** Two user turns in a row, which Bedrock needs merged. */
const MESSAGES: readonly ChatMessage[] = [
  { role: 'system', content: 'Answer in one sentence.' },
  { role: 'user', content: 'Where did I fly?' },
  { role: 'user', content: 'I flew to Lisbon.' },
];

/** A call to `model`; `overrides` win. */
export function completionCall(model: ModelSpec, overrides: Partial<CompletionCall> = {}): CompletionCall {
  return {
    model,
    messages: MESSAGES,
    maxTokens: 64,
    temperature: 0.5,
    topP: undefined,
    stop: undefined,
    cachePrompt: false,
    responseFormat: { type: 'text' },
    tools: [],
    toolChoice: undefined,
    parallelToolCalls: undefined,
    betas: [],
    signal: AbortSignal.timeout(2000),
    ...overrides,
  };
}
