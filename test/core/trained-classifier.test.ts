import { FEATURE_BUCKETS, MAX_WORDS, promptFeatures } from '../../lambda/core/prompt-features';
import weightsFile from '../../lambda/core/classifier-weights.json';
import { decodeModel, rawScore, strongScore, type ClassifierWeightsFile } from '../../lambda/core/trained-classifier';

const model = decodeModel(weightsFile as ClassifierWeightsFile);

describe('prompt features', () => {
  it('hashes each word and word pair once, lower-cased, into fixed buckets', () => {
    const features = promptFeatures('Solve it. SOLVE it!');
    expect(features.labels).toEqual(['solve', 'it', 'solve it', 'it solve']);
    expect(promptFeatures('solve it').buckets).toEqual(features.buckets.slice(0, 3));
    expect(features.buckets.every((bucket) => bucket >= 0 && bucket < FEATURE_BUCKETS)).toBe(true);
  });

  it('reads at most the first MAX_WORDS words', () => {
    const long = Array.from({ length: MAX_WORDS + 500 }, (_, index) => `w${index}`).join(' ');
    const indices = promptFeatures(long).labels.flatMap((label) => label.split(' ').map((word) => Number(word.slice(1))));
    expect(Math.max(...indices)).toBeLessThan(MAX_WORDS);
    expect(Math.max(...indices)).toBeGreaterThan(MAX_WORDS - 50);
  });
});

describe('trained classifier v1 candidate', () => {
  it('decodes the shipped int8 weights, one per bucket, and refuses a file of the wrong size', () => {
    expect(model.weights).toHaveLength(FEATURE_BUCKETS);
    expect(() => decodeModel({ ...(weightsFile as ClassifierWeightsFile), weights: Buffer.alloc(10).toString('base64') })).toThrow('10 buckets');
  });

  it('gives a calibrated probability and names the words that pushed it towards the strong model', () => {
    const score = strongScore(model, 'Janet has 3 apples and buys twice as many pears as apples. How many fruits does she have?');
    expect(score.probability).toBeGreaterThan(0);
    expect(score.probability).toBeLessThan(1);
    expect(score.topWords.length).toBeGreaterThan(0);
    const { buckets, labels } = promptFeatures('Janet has 3 apples and buys twice as many pears as apples. How many fruits does she have?');
    for (const word of score.topWords) expect(model.weights[buckets[labels.indexOf(word)]!]!).toBeGreaterThan(0);
  });

  it('scores by the buckets alone: the same words in another case score the same', () => {
    expect(rawScore(model, promptFeatures('Prove the theorem').buckets)).toBe(rawScore(model, promptFeatures('PROVE THE THEOREM').buckets));
  });
});
