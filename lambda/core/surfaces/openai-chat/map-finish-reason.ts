/** Finish reasons in OpenAI's chat-completions shape. */
import type { FinishReason } from '../../model/completion';

/** The request model's finish reasons are OpenAI's own, so this is the identity; it is written out so each surface maps them in the same place. */
export function openAiFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' {
  return reason;
}
