/**
 * Token usage as every provider reports it once normalised: the four counts
 * are disjoint, so `input` excludes tokens read from or written to a cache.
 */
export interface TokenUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  /**
   * Of `output`, the tokens the model spent reasoning, where the provider reports them (OpenAI's
   * `reasoning_tokens`). Already counted in `output` and billed at its rate by every provider here.
   */
  readonly reasoning?: number | undefined;
}

export const NO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/** Input tokens in OpenAI's sense: everything the prompt cost, cached or not. */
export function promptTokens(usage: TokenUsage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite;
}
