/** Reasoning: what the caller asks of it, and the blocks a model returns that must go back unaltered. */

/** How hard the model should think before answering: OpenAI's effort, or Anthropic's token budget. */
export interface ReasoningRequest {
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high' | undefined;
  readonly budgetTokens?: number | undefined;
}

/**
 * A model's reasoning, as Claude returns it: readable text with a signature
 * that proves it unaltered, or an encrypted block. Sent back with the turn
 * that produced it, Claude can go on thinking through tool calls.
 */
export type ReasoningBlock = { readonly text: string; readonly signature: string } | { readonly redacted: string };
