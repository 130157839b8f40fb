/** Token usage, as every provider's report is normalised. */

/**
 * Contract: the four counts are disjoint, so `input` excludes tokens read from
 * or written to a cache; each is priced at its own rate.
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
