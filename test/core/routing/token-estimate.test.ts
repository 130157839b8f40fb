import { estimateTokens, IMAGE_TOKEN_BOUND, IMAGE_TOKEN_ESTIMATE, maxInputTokens } from '../../../lambda/core/routing/token-estimate';

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

describe('token counts of tools and images', () => {
  const tools = [{ name: 'get_weather', parameters: { type: 'object' } }];
  const toolsBytes = JSON.stringify(tools).length;
  const image = { type: 'image' as const, image: { url: 'data:image/png;base64,AAAA' } };

  it('counts the tool definitions, tool calls and tool results as the JSON text sent', () => {
    const messages = [
      { content: '', toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
      { content: 'sunny', toolCallId: 'c1' },
    ];
    const extra = 'c1get_weather{"city":"Lisbon"}'.length + 'sunnyc1'.length;
    expect(maxInputTokens(messages, tools)).toBe(toolsBytes + extra + 2 * 8);
    expect(estimateTokens(messages, tools)).toBe(Math.ceil((toolsBytes + extra) / 4) + 2 * 4);
  });

  it('counts each image at a typical size, and at a bound above every vision model, not by its URL', () => {
    const messages = [{ content: 'What is it?', parts: [image, { type: 'text' as const, text: 'What is it?' }, image] }];
    expect(estimateTokens(messages)).toBe(Math.ceil(11 / 4) + 4 + 2 * IMAGE_TOKEN_ESTIMATE);
    expect(maxInputTokens(messages)).toBe(11 + 8 + 2 * IMAGE_TOKEN_BOUND);
  });
});
