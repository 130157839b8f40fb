import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPrompt, estimateTokens } from '../../lambda/core/classifier';
import type { ChatMessage } from '../../lambda/core/chat-request';

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const tierOf = (content: string, maxTokens?: number) => classifyPrompt({ messages: user(content), maxTokens }).tier;

describe('classifyPrompt', () => {
  it('sends extraction, formatting and simple classification to tier 0', () => {
    assert.equal(tierOf('Extract the city: I flew to Lisbon.'), 0);
    assert.equal(tierOf('Classify this review as positive or negative: great phone.'), 0);
    assert.equal(tierOf('Convert "march 3rd" to ISO date format.'), 0);
    assert.equal(tierOf('Is the sky blue? Answer yes or no.'), 0);
  });

  it('sends ordinary requests to tier 1', () => {
    assert.equal(tierOf('Write a friendly two-sentence welcome message for new newsletter subscribers.'), 1);
    assert.equal(tierOf('What are some good houseplants for a dark apartment?'), 1);
  });

  it('sends code, math and multi-step reasoning to tier 2', () => {
    assert.equal(tierOf('Write a Python function that merges two sorted lists.'), 2);
    assert.equal(tierOf('Why does this fail?\n```js\nconst x = [1,2].map(y => y * 2)\n```'), 2);
    assert.equal(tierOf('Prove that the square root of 2 is irrational.'), 2);
    assert.equal(tierOf('Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether?'), 2);
    assert.equal(tierOf('Compare the trade-offs of event sourcing and CRUD for a billing system.'), 2);
  });

  it('sends medical, legal, financial and security questions to tier 3', () => {
    assert.equal(tierOf('What dosage of ibuprofen is safe with my blood pressure medication?'), 3);
    assert.equal(tierOf('My landlord kept my deposit; can I sue?'), 3);
    assert.equal(tierOf('Should I move my retirement savings into bonds?'), 3);
    assert.equal(tierOf('Is this login form vulnerable to SQL injection?'), 3);
  });

  it('errs upwards: a trivial verb does not hide a harder signal', () => {
    assert.equal(tierOf('Extract the dosage and contraindications from this prescription.'), 3);
    assert.equal(tierOf('Convert this function to TypeScript: function add(a, b) { return a + b; }'), 2);
  });

  it('treats long context and long requested output as tier 2', () => {
    assert.equal(tierOf('Summarise this. ' + 'The meeting covered many topics. '.repeat(1200)), 2);
    assert.equal(tierOf('Tell me about otters.', 4000), 2);
    assert.equal(tierOf('Write a 1500-word story about otters.'), 2);
  });

  it('treats a tiny output budget on a short prompt as trivial', () => {
    assert.equal(tierOf('What is the capital of France?', 8), 0);
  });

  it('explains every verdict with printable ASCII reasons', () => {
    for (const prompt of ['Extract the city: Lisbon.', 'Prove it — ∑ x² ≥ 0 😀', 'hello']) {
      const verdict = classifyPrompt({ messages: user(prompt), maxTokens: undefined });
      assert.ok(verdict.reasons.length > 0);
      for (const reason of verdict.reasons) assert.match(reason, /^[\x20-\x7e]+$/);
    }
  });

  it('reads the system prompt and the latest user turn, not old turns', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'What dosage of insulin should I take?' },
      { role: 'assistant', content: 'Please ask your doctor.' },
      { role: 'user', content: 'Extract the city: Paris.' },
    ];
    assert.equal(classifyPrompt({ messages, maxTokens: undefined }).tier, 0);
    const withSystem: ChatMessage[] = [{ role: 'system', content: 'You are a tax advisor.' }, ...user('Extract the city: Paris.')];
    assert.equal(classifyPrompt({ messages: withSystem, maxTokens: undefined }).tier, 3);
  });

  it('is deterministic', () => {
    const prompt = user('Design an architecture for a rate limiter and analyze its failure modes.');
    assert.deepEqual(classifyPrompt({ messages: prompt, maxTokens: 100 }), classifyPrompt({ messages: prompt, maxTokens: 100 }));
  });
});

describe('estimateTokens', () => {
  it('counts about four characters a token plus a little per message', () => {
    assert.equal(estimateTokens(user('a'.repeat(400))), 104);
  });
});

describe('classifyPrompt on text that mentions long-form words', () => {
  it('does not mistake a report being summarised for a request to write one', () => {
    const notes = 'The quarterly report covers revenue by region and the roadmap for the next release. '.repeat(3);
    assert.equal(tierOf(`Summarise these notes in three bullet points.\n\n${notes}`), 1);
    assert.equal(tierOf('Write a detailed report on our churn for the board.'), 2);
  });
});
