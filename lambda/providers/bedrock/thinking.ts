/** Reasoning on Bedrock: Claude's extended thinking, fitted to what Claude takes. */
import type { CompletionCall } from '../../core/model/provider';
import { THINKING_BUDGETS } from '../reasoning-budgets';

/** Claude's minimum thinking budget. */
const MIN_THINKING_BUDGET = 1024;

/**
 * Reasoning as Claude's extended thinking, by rule:
 * - the effort becomes a thinking budget (minimal 1,024, low 2,048, medium 8,192, high 24,576
 *   tokens), kept below `max_tokens`; with no room for 1,024 tokens, thinking stays off;
 * - a turn that answers tool calls keeps thinking off: Claude then wants its earlier thinking
 *   blocks back, which no surface here carries;
 * - thinking takes no `temperature` and no `top_p` below 0.95: they are dropped.
 */
export function fitThinking(call: Omit<CompletionCall, 'signal'>): { call: Omit<CompletionCall, 'signal'>; adjusted: string[] } {
  const off = (why: string) => ({ call: { ...call, reasoning: undefined }, adjusted: [`thinking off (${why})`] });
  if (!/anthropic\.claude/.test(call.model.providerModelId)) return off(`${call.model.id} is not a Claude model`);
  const lastAssistant = [...call.messages].reverse().find((message) => message.role === 'assistant');
  if (lastAssistant?.toolCalls && !lastAssistant.reasoning?.length) return off('the tool calls being answered came without their thinking blocks');
  const asked = call.reasoning!.budgetTokens ?? THINKING_BUDGETS[call.reasoning!.effort ?? 'medium'];
  const budget = Math.min(asked, call.maxTokens - 1);
  if (budget < MIN_THINKING_BUDGET) return off(`max_tokens ${call.maxTokens} leaves no room for 1024 thinking tokens`);
  const adjusted = budget < asked ? [`thinking budget ${asked}->${budget} (under max_tokens)`] : [];
  let fitted: Omit<CompletionCall, 'signal'> = { ...call, reasoning: { budgetTokens: budget } };
  if (fitted.temperature !== undefined) {
    fitted = { ...fitted, temperature: undefined };
    adjusted.push('temperature dropped (Claude thinking takes none)');
  }
  if (fitted.topP !== undefined && fitted.topP < 0.95) {
    fitted = { ...fitted, topP: undefined };
    adjusted.push('top_p dropped (Claude thinking takes 0.95 or more)');
  }
  return { call: fitted, adjusted };
}
