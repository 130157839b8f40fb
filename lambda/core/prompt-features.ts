/**
 * The trained classifier's view of a prompt: its words and word pairs,
 * lower-cased, each hashed (FNV-1a) into one of 2^14 buckets. A bucket counts
 * once however often its words occur. Only the first {@link MAX_WORDS} words
 * are read, so a 4k-token prompt costs the same as a shorter long one.
 */

export const FEATURE_BITS = 14;
export const FEATURE_BUCKETS = 1 << FEATURE_BITS;
export const MAX_WORDS = 3000;

const WORD = /[\p{L}\p{N}]+/gu;

/** FNV-1a, 32 bits, over UTF-16 code units: fast, stable across runs and machines. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface PromptFeatures {
  /** Distinct buckets, in first-seen order. */
  readonly buckets: readonly number[];
  /** The word (or word pair) that first filled each bucket, for explaining a score. */
  readonly labels: readonly string[];
}

export function promptFeatures(text: string): PromptFeatures {
  const words = (text.toLowerCase().match(WORD) ?? []).slice(0, MAX_WORDS);
  const seen = new Set<number>();
  const buckets: number[] = [];
  const labels: string[] = [];
  const add = (key: string, label: string) => {
    const bucket = fnv1a(key) & (FEATURE_BUCKETS - 1);
    if (seen.has(bucket)) return;
    seen.add(bucket);
    buckets.push(bucket);
    labels.push(label);
  };
  for (let index = 0; index < words.length; index += 1) {
    add(`w${words[index]!}`, words[index]!);
    if (index > 0) add(`b${words[index - 1]!} ${words[index]!}`, `${words[index - 1]!} ${words[index]!}`);
  }
  return { buckets, labels };
}
