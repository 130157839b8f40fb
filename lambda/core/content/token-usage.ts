/**
 * Values over the request model (types live in ../model): token counts here,
 * image data URLs and reasoning blocks beside. Small pure helpers that the
 * surfaces, the providers and the ledger share.
 */
import type { TokenUsage } from '../model/usage';

/** No tokens at all. */
export const NO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/** Input tokens in OpenAI's sense: everything the prompt cost, cached or not. */
export function promptTokens(usage: TokenUsage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite;
}
