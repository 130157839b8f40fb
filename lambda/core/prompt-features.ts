/**
 * The trained classifier's view of a prompt: its words and word pairs,
 * lower-cased, each hashed into one of 2^14 buckets. A bucket counts once
 * however often its words occur. Only the first {@link MAX_WORDS} words are
 * read, so a 4k-token prompt costs the same as a shorter long one.
 *
 * One pass over the characters, hashing as it goes (FNV-1a per word, a mix of
 * two word hashes per pair): no word strings are built unless a score is
 * being explained ({@link featureLabels}).
 */

export const FEATURE_BITS = 14;
export const FEATURE_BUCKETS = 1 << FEATURE_BITS;
export const MAX_WORDS = 3000;

const MASK = FEATURE_BUCKETS - 1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/** The lower-cased code unit if `code` is part of a word, else -1. ASCII is decided without a regex. */
function wordCode(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code < 128) {
    if (code >= 97 && code <= 122) return code;
    if (code >= 65 && code <= 90) return code | 0x20;
    return code >= 48 && code <= 57 ? code : -1;
  }
  const character = text[index]!;
  return WORD_CHARACTER.test(character) ? character.toLowerCase().charCodeAt(0) : -1;
}

/** A word pair's hash from its two word hashes: order matters ("not good" is not "good not"). */
const pairHash = (first: number, second: number) => Math.imul((first ^ 0x9e3779b9) >>> 0, FNV_PRIME) ^ second;

/** Calls `visit` with each word's and each word pair's bucket, in order, and where the word ends. */
function scan(text: string, visit: (bucket: number, wordStart: number, wordEnd: number, pairStart: number) => void): void {
  let words = 0;
  let hash = FNV_OFFSET;
  let start = -1;
  let previousHash = 0;
  let previousStart = -1;
  for (let index = 0; index <= text.length && words < MAX_WORDS; index += 1) {
    const code = index < text.length ? wordCode(text, index) : -1;
    if (code >= 0) {
      if (start < 0) {
        start = index;
        hash = FNV_OFFSET;
      }
      hash = Math.imul(hash ^ code, FNV_PRIME);
      continue;
    }
    if (start < 0) continue;
    const wordHash = hash >>> 0;
    visit(wordHash & MASK, start, index, -1);
    if (previousStart >= 0) visit((pairHash(previousHash, wordHash) >>> 0) & MASK, start, index, previousStart);
    previousHash = wordHash;
    previousStart = start;
    start = -1;
    words += 1;
  }
}

/** Distinct buckets of the prompt's words and word pairs, in first-seen order. */
export function promptFeatures(text: string): number[] {
  const seen = new Uint8Array(FEATURE_BUCKETS);
  const buckets: number[] = [];
  scan(text, (bucket) => {
    if (seen[bucket]) return;
    seen[bucket] = 1;
    buckets.push(bucket);
  });
  return buckets;
}

/** The word or word pair (lower-cased) that first filled each bucket: what a score's reasons name. */
export function featureLabels(text: string): Map<number, string> {
  const labels = new Map<number, string>();
  scan(text, (bucket, wordStart, wordEnd, pairStart) => {
    if (!labels.has(bucket)) labels.set(bucket, text.slice(pairStart >= 0 ? pairStart : wordStart, wordEnd).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' '));
  });
  return labels;
}
