import { classifyPrompt } from '../../../lambda/core/routing/classifier';
import type { ChatMessage } from '../../../lambda/core/model/message';

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const tierOf = (content: string, maxTokens?: number) => classifyPrompt({ messages: user(content), maxTokens }).tier;

describe('classifyPrompt', () => {
  it('sends extraction, formatting and simple classification to tier 0', () => {
    expect(tierOf('Extract the city: I flew to Lisbon.')).toBe(0);
    expect(tierOf('Classify this review as positive or negative: great phone.')).toBe(0);
    expect(tierOf('Convert "march 3rd" to ISO date format.')).toBe(0);
    expect(tierOf('Is the sky blue? Answer yes or no.')).toBe(0);
  });

  it('sends ordinary requests to tier 1', () => {
    expect(tierOf('Write a friendly two-sentence welcome message for new newsletter subscribers.')).toBe(1);
    expect(tierOf('What are some good houseplants for a dark apartment?')).toBe(1);
  });

  it('lifts a request that offers tools to at least tier 1, saying so, and leaves harder signals in charge', () => {
    expect(classifyPrompt({ messages: user('Extract the city: I flew to Lisbon.'), maxTokens: undefined, toolCount: 2 })).toEqual({ tier: 1, reasons: ['tools offered (2)'] });
    expect(classifyPrompt({ messages: user('Is this login form vulnerable to SQL injection?'), maxTokens: undefined, toolCount: 1 }).tier).toBe(3);
  });

  it('sends code, math and multi-step reasoning to tier 2', () => {
    expect(tierOf('Write a Python function that merges two sorted lists.')).toBe(2);
    expect(tierOf('Why does this fail?\n```js\nconst x = [1,2].map(y => y * 2)\n```')).toBe(2);
    expect(tierOf('Prove that the square root of 2 is irrational.')).toBe(2);
    expect(tierOf('Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether?')).toBe(2);
    expect(tierOf('Compare the trade-offs of event sourcing and CRUD for a billing system.')).toBe(2);
  });

  it('sends medical, legal, financial and security questions to tier 3', () => {
    expect(tierOf('What dosage of ibuprofen is safe with my blood pressure medication?')).toBe(3);
    expect(tierOf('My landlord kept my deposit; can I sue?')).toBe(3);
    expect(tierOf('Should I move my retirement savings into bonds?')).toBe(3);
    expect(tierOf('Is this login form vulnerable to SQL injection?')).toBe(3);
  });

  it('errs upwards: a trivial verb does not hide a harder signal', () => {
    expect(tierOf('Extract the dosage and contraindications from this prescription.')).toBe(3);
    expect(tierOf('Convert this function to TypeScript: function add(a, b) { return a + b; }')).toBe(2);
  });

  it('treats long context and a long answer asked for in words as tier 2, and a large max_tokens as no signal (clients send one on every call)', () => {
    expect(tierOf('Summarise this. ' + 'The meeting covered many topics. '.repeat(1200))).toBe(2);
    expect(tierOf('Tell me about otters.', 4000)).toBe(1);
    expect(tierOf('Tell me about otters.', 128_000)).toBe(1);
    expect(tierOf('Write a 1500-word story about otters.')).toBe(2);
  });

  it('treats a tiny output budget on a short prompt as trivial', () => {
    expect(tierOf('What is the capital of France?', 8)).toBe(0);
  });

  it('explains every verdict with printable ASCII reasons', () => {
    for (const prompt of ['Extract the city: Lisbon.', 'Prove it — ∑ x² ≥ 0 😀', 'hello']) {
      const verdict = classifyPrompt({ messages: user(prompt), maxTokens: undefined });
      expect(verdict.reasons.length).toBeGreaterThan(0);
      for (const reason of verdict.reasons) expect(reason).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('reads the system prompt and the latest user turn, not old turns', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'What dosage of insulin should I take?' },
      { role: 'assistant', content: 'Please ask your doctor.' },
      { role: 'user', content: 'Extract the city: Paris.' },
    ];
    expect(classifyPrompt({ messages, maxTokens: undefined }).tier).toBe(0);
    const withSystem: ChatMessage[] = [{ role: 'system', content: 'You are a tax advisor.' }, ...user('Extract the city: Paris.')];
    expect(classifyPrompt({ messages: withSystem, maxTokens: undefined }).tier).toBe(3);
  });

  it('is deterministic', () => {
    const prompt = user('Design an architecture for a rate limiter and analyze its failure modes.');
    expect(classifyPrompt({ messages: prompt, maxTokens: 100 })).toEqual(classifyPrompt({ messages: prompt, maxTokens: 100 }));
  });
});

describe('classifyPrompt on text that mentions long-form words', () => {
  it('does not mistake a report being summarised for a request to write one', () => {
    const notes = 'The quarterly report covers revenue by region and the roadmap for the next release. '.repeat(3);
    expect(tierOf(`Summarise these notes in three bullet points.\n\n${notes}`)).toBe(1);
    expect(tierOf('Write a detailed report on our churn for the board.')).toBe(2);
  });
});
