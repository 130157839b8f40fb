import { FEATURE_BUCKETS, featureLabels, promptFeatures } from '../../../lambda/core/routing/prompt-features';
import weightsFile from '../../../lambda/core/routing/classifier-weights.json';
import { ruleFindings } from '../../../lambda/core/routing/classifier';
import {
  classifierInput,
  classifierText,
  classifyTrained,
  conversationInput,
  decodeClassifier,
  decodeModel,
  DEFAULT_THRESHOLDS,
  rawScore,
  READ_WINDOW,
  ruleSignals,
  tierScores,
  topWords,
  type ClassifierWeightsFile,
} from '../../../lambda/core/routing/trained-classifier';

const file = weightsFile as ClassifierWeightsFile;
const model = decodeModel(file.heads.tier_2_or_more);

describe('prompt features', () => {
  it('hashes each word and word pair once, lower-cased, into fixed buckets', () => {
    const { buckets } = promptFeatures('Solve it. SOLVE it!');
    expect([...featureLabels('Solve it. SOLVE it!').values()]).toEqual(['solve', 'it', 'solve it', 'it solve']);
    expect(buckets).toHaveLength(4);
    expect(promptFeatures('solve it').buckets).toEqual(buckets.slice(0, 3));
    expect(buckets.every((bucket) => bucket >= 0 && bucket < FEATURE_BUCKETS)).toBe(true);
    // Word pairs keep their order.
    expect(promptFeatures('good not').buckets[2]).not.toBe(promptFeatures('not good').buckets[2]);
  });

  it('reads words in any script, and case-folds them', () => {
    expect(promptFeatures('Ärger ärger').buckets).toHaveLength(2);
    expect([...featureLabels('Привет, мир').values()]).toEqual(['привет', 'мир', 'привет мир']);
  });

});

describe('what classifier v1 reads', () => {
  it('reads a long prompt\'s start and end, so its cost has a ceiling, and leaves the middle out', () => {
    const { headCharacters, tailCharacters } = READ_WINDOW;
    const filler = (characters: number) => 'lorem '.repeat(Math.ceil(characters / 6)).slice(0, characters);
    const long = `Beginning word. ${filler(headCharacters)} middleword ${filler(tailCharacters)} Closing question?`;
    const read = classifierText({ messages: [{ role: 'user', content: long }], maxTokens: undefined });
    expect(read.length).toBe(headCharacters + tailCharacters + 1);
    expect(read).toMatch(/^Beginning word\./);
    expect(read).toMatch(/Closing question\?$/);
    expect(read).not.toContain('middleword');
    // The rules read the same window: a high-stakes word in the middle of a long document does not fire.
    const buried = `Summarise this. ${filler(headCharacters)} insulin ${filler(tailCharacters)} Thanks.`;
    expect(conversationInput({ messages: [{ role: 'user', content: buried }], maxTokens: undefined }).signals).not.toContain('high-stakes: medical');
    const short = 'What dose of insulin is safe?';
    expect(classifierText({ messages: [{ role: 'user', content: short }], maxTokens: undefined })).toBe(short);
  });
});

describe('classifier v1 weights', () => {
  it('decodes the shipped int8 weights, one per bucket, and refuses a file of the wrong size', () => {
    expect(model.weights).toHaveLength(FEATURE_BUCKETS);
    expect(() => decodeModel({ ...file.heads.tier_3, weights: Buffer.alloc(10).toString('base64') })).toThrow('10 buckets');
  });

  it('reads each byte as a signed weight, times the head\'s scale', () => {
    const bytes = Buffer.alloc(FEATURE_BUCKETS);
    bytes.set([0x80, 0xff, 0x00, 0x01, 0x7f]);
    const decoded = decodeModel({ ...file.heads.tier_3, scale: 0.5, weights: bytes.toString('base64') });
    expect([...decoded.weights.subarray(0, 6)]).toEqual([-64, -0.5, 0, 0.5, 63.5, 0]);
  });

  it('ships default thresholds chosen by the training run, each a probability', () => {
    expect(DEFAULT_THRESHOLDS).toEqual(file.thresholds);
    for (const value of Object.values(DEFAULT_THRESHOLDS)) expect(value > 0 && value < 1).toBe(true);
  });

  it('scores by the buckets alone: the same words in another case score the same', () => {
    expect(rawScore(model, classifierInput('Prove the theorem'))).toBe(rawScore(model, classifierInput('PROVE THE THEOREM')));
  });

  it('names the words that pushed a head one way, read back from the prompt', () => {
    const text = 'Janet has 3 apples and buys twice as many pears as apples. How many fruits does she have?';
    const input = classifierInput(text);
    const labels = featureLabels(text);
    const bucketOf = new Map([...labels].map(([bucket, label]) => [label, bucket]));
    const up = topWords(model, input, 1, 3);
    expect(up.length).toBeGreaterThan(0);
    for (const word of up) expect(model.weights[bucketOf.get(word)!]!).toBeGreaterThan(0);
    const down = topWords(model, input, -1, 3);
    for (const word of down) expect(model.weights[bucketOf.get(word)!]!).toBeLessThan(0);
    // Strongest first; no stronger word left out, but function words are never named.
    const functionWords = ['has', 'and', 'as', 'how', 'does', 'have'];
    const pulls = up.map((word) => model.weights[bucketOf.get(word)!]!);
    expect(pulls).toEqual([...pulls].sort((a, b) => b - a));
    const explainable = [...labels].filter(([, label]) => !functionWords.includes(label));
    expect(pulls[0]).toBe(Math.max(...explainable.map(([bucket]) => model.weights[bucket]!)));
    expect(up.some((word) => functionWords.includes(word))).toBe(false);
    expect(topWords(model, classifierInput(''), 1, 3)).toEqual([]);
  });
});

describe('classifier v1 scores', () => {
  it('gives one calibrated probability per tier boundary from one pass', () => {
    const scores = tierScores(classifierInput('What dosage of ibuprofen is safe with warfarin?'));
    expect(Object.keys(scores).sort()).toEqual(['tier_1_or_more', 'tier_2_or_more', 'tier_3']);
    for (const value of Object.values(scores)) expect(value > 0 && value < 1).toBe(true);
  });

  it('rates a medication question as more likely tier 3 than a formatting request, and the formatting request as less likely tier 1 or more', () => {
    const medical = tierScores(classifierInput('My father takes warfarin. Is it safe for him to take ibuprofen for back pain?'));
    const formatting = tierScores(classifierInput('Convert this to title case: the quick brown fox'));
    expect(medical.tier_3).toBeGreaterThan(formatting.tier_3);
    expect(formatting.tier_1_or_more).toBeLessThan(medical.tier_1_or_more);
  });
});

describe('classifier v1 decisions', () => {
  const view = (content: string, extra: { maxTokens?: number; toolCount?: number } = {}) => ({ messages: [{ role: 'user' as const, content }], maxTokens: extra.maxTokens, toolCount: extra.toolCount });
  const medical = view('My father takes warfarin. Is it safe for him to take ibuprofen for his back pain this week?');
  const trivial = view('Convert this to title case: the quick brown fox');

  it('sends a high-stakes question to tier 3 and says which score and words decided', () => {
    const verdict = classifyTrained(medical);
    expect(verdict.tier).toBe(3);
    expect(verdict.scores.tier_3).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.tier_3);
    expect(verdict.reasons[0]).toMatch(/^classifier: P\(tier 3\) [01]\.\d\d >= 0\.\d\d \("[^"]+"(, "[^"]+")*\)$/);
  });

  it('sends a formatting request to tier 0, naming the words that held it down', () => {
    const verdict = classifyTrained(trivial);
    expect(verdict.tier).toBe(0);
    expect(verdict.reasons[0]).toMatch(/^classifier: P\(tier 1\+\) 0\.\d\d < 0\.\d\d/);
  });

  it('never calls a short request trivial when the rules see maths in it, and says so', () => {
    const proof = view('Prove that sqrt(2) is irrational.');
    const { scores } = classifyTrained(proof);
    // The heads alone would call it trivial: the floor is what lifts it.
    expect(scores.tier_1_or_more).toBeLessThan(DEFAULT_THRESHOLDS.tier_1_or_more);
    const verdict = classifyTrained(proof);
    expect(verdict.tier).toBe(1);
    expect(verdict.reasons[0]).toMatch(/^floor: not trivial: math/);
  });

  it('moves with the policy\'s thresholds: each boundary decides at its own score', () => {
    const { scores } = classifyTrained(medical);
    expect(classifyTrained(medical, { tier_3: Math.min(1, scores.tier_3 + 0.01) }).tier).toBeLessThan(3);
    const { scores: easy } = classifyTrained(trivial);
    expect(classifyTrained(trivial, { tier_1_or_more: easy.tier_1_or_more, tier_2_or_more: 1 }).tier).toBe(1);
    expect(classifyTrained(trivial, { tier_1_or_more: 0, tier_2_or_more: 0 }).tier).toBe(2);
  });

  it('keeps v0\'s structural and code rules as a floor, and reports the floor first', () => {
    const tools = classifyTrained(view('Convert this to title case: the quick brown fox', { toolCount: 2 }));
    expect(tools.tier).toBe(1);
    expect(tools.reasons[0]).toBe('floor: tools offered (2)');
    const code = classifyTrained(trivial, {}, {});
    expect(code.reasons.some((reason) => reason.startsWith('floor:'))).toBe(false);
    const withCode = classifyTrained(view('Format this:\n```\nconst x = f(1);\n```'), { tier_2_or_more: 1 });
    expect(withCode.tier).toBe(2);
    expect(withCode.reasons[0]).toMatch(/^floor: code/);
    // Without the floor the same scores decide alone.
    expect(classifyTrained(view('Format this:\n```\nconst x = f(1);\n```'), { tier_2_or_more: 1 }, { floors: new Set() }).tier).toBeLessThan(2);
  });

  it('lists v0\'s other findings after the score, as rules, without letting them decide', () => {
    const verdict = classifyTrained(view('Write a poem about my password, which is hunter2'), { tier_3: 1 });
    // A high-stakes word is a floor at the strong model, never at tier 3's verification pass.
    expect(verdict.tier).toBe(2);
    expect(verdict.reasons[0]).toBe('floor: high-stakes: security ("password")');
    const sum = classifyTrained(view('What is 12+7?'));
    expect(sum.tier).toBeLessThan(2);
    expect(sum.reasons).toContainEqual(expect.stringMatching(/^rule: math \(/));
  });

  it('keeps its reasons printable ASCII, for the response header', () => {
    const verdict = classifyTrained(view('Что такое инсулин и какая доза безопасна для ребёнка?'));
    for (const reason of verdict.reasons) expect(reason).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('v0 rules as the trained heads\' signals', () => {
  it('names v0\'s tier and each rule that fired, without the matched words', () => {
    expect(ruleSignals(ruleFindings({ messages: [{ role: 'user', content: 'What dosage? 2+2' }], maxTokens: undefined }))).toEqual(['v0 tier 3', 'high-stakes: medical', 'math']);
    expect(ruleSignals([])).toEqual(['v0 tier 1', 'standard request: no complexity or high-stakes signal']);
    expect(classifierInput('Extract the city: I flew to Lisbon.').signals).toEqual(['v0 tier 0', 'trivial task', 'size: tiny']);
  });

  it('weighs a rule the heads learned from: a high-stakes rule raises P(tier 3)', () => {
    const heads = decodeClassifier(file);
    expect(heads.tier_3.signals.get('high-stakes: medical')!).toBeGreaterThan(0);
    expect(heads.tier_1_or_more.signals.get('trivial task')!).toBeLessThan(0);
  });
});

describe('classifier v1 on a conversation of several turns', () => {
  const opening = [
    { role: 'user' as const, content: 'Can you help me plan a weekend in Porto?' },
    { role: 'assistant' as const, content: 'Of course. Day one: the Ribeira, then a port cellar in Gaia.' },
  ];

  it('reads the system prompts and the last user turn, so a chat that turns high-stakes at the end is decided by that turn', () => {
    const benign = classifyTrained({ messages: [...opening, { role: 'user', content: 'Great, and where should we eat on Saturday?' }], maxTokens: undefined });
    const turned = classifyTrained({
      messages: [...opening, { role: 'user', content: 'Also, my father takes warfarin: what dose of ibuprofen is safe for his back pain?' }],
      maxTokens: undefined,
    });
    expect(benign.tier).toBeLessThan(3);
    expect(turned.tier).toBe(3);
    expect(turned.scores.tier_3).toBeGreaterThan(benign.scores.tier_3 + 0.2);
    // The last turn alone gives the words: earlier turns are context, not signal.
    expect(conversationInput({ messages: [opening[0]!, { role: 'user', content: 'x' }], maxTokens: undefined }).features).toEqual(promptFeatures('x'));
  });
});
