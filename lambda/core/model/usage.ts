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
   * Of `cacheWrite`, the tokens written with a one-hour lifetime (Claude's `ttl: "1h"`), which bill
   * at their own rate; the rest of `cacheWrite` lived five minutes. @default 0
   */
  readonly cacheWrite1h?: number | undefined;
  /**
   * Of `output`, the tokens the model spent reasoning, where the provider reports them (OpenAI's
   * `reasoning_tokens`). Already counted in `output` and billed at its rate by every provider here.
   */
  readonly reasoning?: number | undefined;
}
