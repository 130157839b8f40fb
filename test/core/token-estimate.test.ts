import { estimateTokens, maxInputTokens } from '../../lambda/core/token-estimate';

describe('estimateTokens', () => {
  it('counts about four characters a token plus a little per message', () => {
    expect(estimateTokens([{ content: 'a'.repeat(400) }])).toBe(104);
  });
});

describe('maxInputTokens', () => {
  it('counts every UTF-8 byte as a token, plus framing per message', () => {
    expect(maxInputTokens([{ content: 'héllo' }, { content: '' }])).toBe(6 + 8 + 8);
  });

  it('is never below the typical estimate', () => {
    const messages = [{ content: 'Summarise the attached report in three bullet points.' }, { content: '数据'.repeat(50) }];
    expect(maxInputTokens(messages)).toBeGreaterThanOrEqual(estimateTokens(messages));
  });
});
