/**
 * One table between OpenAI's reasoning efforts and Anthropic's thinking
 * budgets, read both ways: Bedrock turns an effort into Claude's budget, the
 * OpenAI-compatible adapter turns a budget into the nearest effort.
 */

/** Claude's thinking budget for each OpenAI effort; Claude's minimum is 1,024 tokens. */
export const THINKING_BUDGETS = { minimal: 1024, low: 2048, medium: 8192, high: 24_576 } as const;

/** An Anthropic thinking budget as the nearest OpenAI effort. */
export function effortOf(budgetTokens: number): 'low' | 'medium' | 'high' {
  return budgetTokens <= THINKING_BUDGETS.low ? 'low' : budgetTokens <= THINKING_BUDGETS.medium ? 'medium' : 'high';
}
