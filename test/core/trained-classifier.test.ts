import { FEATURE_BUCKETS, featureLabels, MAX_WORDS, promptFeatures } from '../../lambda/core/prompt-features';
import weightsFile from '../../lambda/core/classifier-weights.json';
import { classifierInput, conversationInput, decodeClassifier, decodeModel, rawScore, ruleSignals, sigmoid, strongScore, tierScores, type ClassifierWeightsFile } from '../../lambda/core/trained-classifier';

const file = weightsFile as ClassifierWeightsFile;
const model = decodeModel(file.heads.tier_2_or_more);

describe('prompt features', () => {
  it('hashes each word and word pair once, lower-cased, into fixed buckets', () => {
    const buckets = promptFeatures('Solve it. SOLVE it!');
    expect([...featureLabels('Solve it. SOLVE it!').values()]).toEqual(['solve', 'it', 'solve it', 'it solve']);
    expect(buckets).toHaveLength(4);
    expect(promptFeatures('solve it')).toEqual(buckets.slice(0, 3));
    expect(buckets.every((bucket) => bucket >= 0 && bucket < FEATURE_BUCKETS)).toBe(true);
    // Word pairs keep their order.
    expect(promptFeatures('good not')[2]).not.toBe(promptFeatures('not good')[2]);
  });

  it('reads words in any script, and case-folds them', () => {
    expect(promptFeatures('Ärger ärger')).toHaveLength(2);
    expect([...featureLabels('Привет, мир').values()]).toEqual(['привет', 'мир', 'привет мир']);
  });

  it('reads at most the first MAX_WORDS words', () => {
    const long = Array.from({ length: MAX_WORDS + 500 }, (_, index) => `w${index}`).join(' ');
    const indices = [...featureLabels(long).values()].flatMap((label) => label.split(' ').map((word) => Number(word.slice(1))));
    expect(Math.max(...indices)).toBeLessThan(MAX_WORDS);
    expect(Math.max(...indices)).toBeGreaterThan(MAX_WORDS - 50);
  });
});

describe('trained classifier v1 candidate', () => {
  it('decodes the shipped int8 weights, one per bucket, and refuses a file of the wrong size', () => {
    expect(model.weights).toHaveLength(FEATURE_BUCKETS);
    expect(() => decodeModel({ ...file.heads.tier_3, weights: Buffer.alloc(10).toString('base64') })).toThrow('10 buckets');
  });

  it('gives a calibrated probability and names the words that pushed it towards the strong model', () => {
    const score = strongScore(model, 'Janet has 3 apples and buys twice as many pears as apples. How many fruits does she have?', 3);
    expect(score.probability).toBeGreaterThan(0);
    expect(score.probability).toBeLessThan(1);
    expect(score.topWords.length).toBeGreaterThan(0);
    const labels = featureLabels('Janet has 3 apples and buys twice as many pears as apples. How many fruits does she have?');
    const bucketOf = new Map([...labels].map(([bucket, label]) => [label, bucket]));
    for (const word of score.topWords) expect(model.weights[bucketOf.get(word)!]!).toBeGreaterThan(0);
    expect(strongScore(model, 'How many?').topWords).toEqual([]);
  });

  it('scores by the buckets alone: the same words in another case score the same', () => {
    expect(rawScore(model, classifierInput('Prove the theorem'))).toBe(rawScore(model, classifierInput('PROVE THE THEOREM')));
  });
});

describe('trained classifier v1 candidate, three heads', () => {
  const heads = decodeClassifier(file);

  it('gives one calibrated probability per tier boundary from one pass', () => {
    const scores = tierScores(heads, 'What dosage of ibuprofen is safe with warfarin?');
    expect(Object.keys(scores).sort()).toEqual(['tier_1_or_more', 'tier_2_or_more', 'tier_3']);
    for (const value of Object.values(scores)) expect(value > 0 && value < 1).toBe(true);
  });

  it('rates a medication question as more likely tier 3 than a formatting request, and the formatting request as less likely tier 1 or more', () => {
    const medical = tierScores(heads, 'My father takes warfarin. Is it safe for him to take ibuprofen for back pain?');
    const formatting = tierScores(heads, 'Convert this to title case: the quick brown fox');
    expect(medical.tier_3).toBeGreaterThan(formatting.tier_3);
    expect(formatting.tier_1_or_more).toBeLessThan(medical.tier_1_or_more);
  });
});

describe('v0 rules as the trained heads\' signals', () => {
  it('names v0\'s tier and each rule that fired, without the matched words', () => {
    expect(ruleSignals({ tier: 3, reasons: ['high-stakes: medical ("dosage")', 'math ("2+2")'] })).toEqual(['v0 tier 3', 'high-stakes: medical', 'math']);
    expect(classifierInput('Extract the city: I flew to Lisbon.').signals).toEqual(['v0 tier 0', 'trivial task']);
  });

  it('weighs a rule the heads learned from: a high-stakes rule raises P(tier 3)', () => {
    const heads = decodeClassifier(file);
    expect(heads.tier_3.signals.get('high-stakes: medical')!).toBeGreaterThan(0);
    expect(heads.tier_1_or_more.signals.get('trivial task')!).toBeLessThan(0);
  });
});

describe('v1 candidate on a conversation of several turns', () => {
  const heads = decodeClassifier(file);
  const scoresOf = (view: Parameters<typeof conversationInput>[0]) => {
    const input = conversationInput(view);
    return { input, tier3: sigmoid(heads.tier_3.calibration.a * rawScore(heads.tier_3, input) + heads.tier_3.calibration.b) };
  };
  const opening = [
    { role: 'user' as const, content: 'Can you help me plan a weekend in Porto?' },
    { role: 'assistant' as const, content: 'Of course. Day one: the Ribeira, then a port cellar in Gaia.' },
  ];

  it('reads the system prompts and the last user turn, so a chat that turns high-stakes at the end is scored as that turn', () => {
    const benign = scoresOf({ messages: [...opening, { role: 'user', content: 'Great, and where should we eat on Saturday?' }], maxTokens: undefined });
    const turned = scoresOf({
      messages: [...opening, { role: 'user', content: 'Also, what dosage of ibuprofen is safe for my father, who takes warfarin?' }],
      maxTokens: undefined,
    });
    expect(turned.input.signals).toContain('high-stakes: medical');
    expect(benign.input.signals).not.toContain('high-stakes: medical');
    expect(turned.tier3).toBeGreaterThan(benign.tier3 + 0.2);
    // The last turn alone scores the same: earlier turns are context, not signal.
    expect(conversationInput({ messages: [opening[0]!, { role: 'user', content: 'x' }], maxTokens: undefined }).buckets).toEqual(promptFeatures('x'));
  });
});

