/** Finish reasons as a Responses `status`: an answer cut at its output limit is `incomplete`, any other is `completed`. */
import type { FinishReason } from '../../model/completion';

export function outcomeOf(finishReason: FinishReason) {
  return finishReason === 'length' ? { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } : { status: 'completed' };
}
