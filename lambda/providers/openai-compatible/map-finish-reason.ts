/** OpenAI's finish reasons as Switchyard's. */
import type { FinishReason } from '../../core/model/completion';

/** OpenAI's finish reasons that end an answer; `function_call` is the legacy name for `tool_calls`. */
export function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  if (reason === 'stop' || reason === 'length' || reason === 'tool_calls') return reason;
  return reason === 'function_call' ? 'tool_calls' : undefined;
}
