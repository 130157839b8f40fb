/**
 * The trained classifier's view of a prompt: its words and word pairs,
 * lower-cased, each hashed into one of 2^14 buckets. A bucket counts once
 * however often its words occur.
 *
 * One pass over the characters, hashing as it goes (FNV-1a per word, a mix of
 * two word hashes per pair), noting where each bucket first occurs: no word
 * strings are built unless a score is being explained ({@link featureLabel}).
 */

export const FEATURE_BITS = 14;
export const FEATURE_BUCKETS = 1 << FEATURE_BITS;

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

/** A prompt's distinct buckets, in first-seen order, and where each one's word or word pair first occurs. */
export interface PromptFeatures {
  readonly buckets: readonly number[];
  /** `text.slice(starts[i], ends[i])` is what first filled `buckets[i]`. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * Which buckets this call has seen: a bucket is seen when its mark is the
 * call's generation. Allocating and zeroing 2^14 entries per call cost more
 * than the whole loop on a short prompt. Only a synchronous call touches it,
 * start to end, so calls never share it, however many requests are in flight.
 */
const marks = new Uint32Array(FEATURE_BUCKETS);
let generation = 0;

export function promptFeatures(text: string): PromptFeatures {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    marks.fill(0);
    generation = 1;
  }
  const mark = generation;
  const buckets: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const note = (bucket: number, start: number, end: number) => {
    if (marks[bucket] === mark) return;
    marks[bucket] = mark;
    buckets.push(bucket);
    starts.push(start);
    ends.push(end);
  };
  // One hot loop over the characters: a word's FNV-1a hash grows as it is read; at its end, the word and its pair with the previous word are noted.
  let hash = FNV_OFFSET;
  let start = -1;
  let previousHash = 0;
  let previousStart = -1;
  for (let index = 0; index <= text.length; index += 1) {
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
    note(wordHash & MASK, start, index);
    if (previousStart >= 0) note((pairHash(previousHash, wordHash) >>> 0) & MASK, previousStart, index);
    previousHash = wordHash;
    previousStart = start;
    start = -1;
  }
  return { buckets, starts, ends };
}

/** The word or word pair behind the `index`th bucket, lower-cased, its words joined by one space: what a score's reasons name. */
export function featureLabel(text: string, features: PromptFeatures, index: number): string {
  return text.slice(features.starts[index], features.ends[index]).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ');
}

/** Every bucket's label ({@link featureLabel}). */
export function featureLabels(text: string): Map<number, string> {
  const features = promptFeatures(text);
  return new Map(features.buckets.map((bucket, index) => [bucket, featureLabel(text, features, index)]));
}
