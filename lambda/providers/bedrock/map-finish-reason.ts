/** Converse's stop reasons as finish reasons, or as the failures they stand for. */
import type { ProviderError, ProviderFailureKind } from '../../core/base/errors';
import type { FinishReason } from '../../core/model/completion';

/** What a Converse `stopReason` means, in a whole answer or at the end of a stream: a finish reason, or the failure it stands for. */
export function finishReasonOf(stopReason: string | undefined, json: boolean, fail: (kind: ProviderFailureKind, message: string) => ProviderError): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      // Calling the forced JSON tool is how a JSON answer ends.
      return json ? 'stop' : 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      throw fail('content_filter', `the model stopped with ${stopReason}`);
    case 'model_context_window_exceeded':
      throw fail('context_length', 'the model ran out of context window');
    default:
      throw fail('malformed_response', `unexpected stopReason "${stopReason}"`);
  }
}
