/** Finish reasons as Anthropic's `stop_reason`. */
import type { FinishReason } from '../../model/completion';

const STOP_REASONS: Readonly<Record<FinishReason, string>> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };

export function anthropicStopReason(reason: FinishReason): string {
  return STOP_REASONS[reason];
}
