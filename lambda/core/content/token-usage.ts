/** Token counts: none at all, and a prompt's tokens as OpenAI counts them. */
import type { TokenUsage } from '../model/usage';

/** No tokens at all. */
export const NO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/** Input tokens in OpenAI's sense: everything the prompt cost, cached or not. */
export function promptTokens(usage: TokenUsage): number {
  return usage.input + usage.cacheRead + usage.cacheWrite;
}
