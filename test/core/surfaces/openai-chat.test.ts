import { parseChatRequest } from '../../../lambda/core/surfaces/openai-chat/parse-request';
import { wireUsage } from '../../../lambda/core/surfaces/openai-chat/map-usage';
import { rejectionOf } from '../../support/caller-errors';
import { testPolicy } from '../../support/policies';

const limits = testPolicy().limits;
const valid = { model: 'auto', messages: [{ role: 'user', content: 'Hello' }] };

const rejection = (body: unknown, raw = false) => rejectionOf(() => parseChatRequest(raw ? (body as string) : JSON.stringify(body), limits));

describe('parseChatRequest', () => {
  it('accepts a minimal OpenAI request', () => {
    const request = parseChatRequest(JSON.stringify(valid), limits);
    expect(request.messages).toEqual([{ role: 'user', content: 'Hello' }]);
    expect(request.maxTokens).toBe(undefined);
  });

  it('maps developer messages to system and joins text parts', () => {
    const request = parseChatRequest(
      JSON.stringify({
        model: 'auto',
        messages: [
          { role: 'developer', content: 'Be terse.' },
          { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        ],
        max_completion_tokens: 50,
        stop: 'END',
        metadata: { tier: 2 },
      }),
      limits,
    );
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'one\ntwo' },
    ]);
    expect(request.maxTokens).toBe(50);
    expect(request.stop).toEqual(['END']);
    expect(request.metadata['tier']).toBe('2');
  });

  it('rejects malformed JSON with the parser position', () => {
    const error = rejection('{"model": "auto", "messages": [', true);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_json');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('rejects an empty body and a body that is not an object', () => {
    expect(rejection('', true).code).toBe('invalid_json');
    expect(rejection([1, 2]).message).toMatch(/must be a JSON object/);
  });

  it('rejects an oversize body with 413 before parsing it', () => {
    const error = rejection(`{"x":"${'a'.repeat(limits.maxBodyBytes)}"}`, true);
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/limit is 5242880 bytes/);
  });

  it('names the field of a wrong type', () => {
    const error = rejection({ ...valid, temperature: 'hot' });
    expect(error.param).toBe('temperature');
    expect(error.message).toMatch(/"temperature" must be a number/);
  });

  it('names a missing field', () => {
    const error = rejection({ model: 'auto' });
    expect(error.param).toBe('messages');
    expect(error.message).toMatch(/"messages" is required/);
  });

  it('names a bad role and lists the valid ones', () => {
    const error = rejection({ model: 'auto', messages: [{ role: 'bot', content: 'hi' }] });
    expect(error.param).toBe('messages[0].role');
    expect(error.message).toMatch(/must be one of "system", "developer", "user", "assistant"/);
  });

  it('rejects empty message lists and empty messages', () => {
    expect(rejection({ model: 'auto', messages: [] }).message).toMatch(/at least one message/);
    const error = rejection({ model: 'auto', messages: [{ role: 'user', content: '  ' }] });
    expect(error.param).toBe('messages[0].content');
  });

  it('rejects out-of-range numbers', () => {
    expect(rejection({ ...valid, top_p: 1.5 }).message).toMatch(/"top_p" must be at most 1/);
    expect(rejection({ ...valid, max_tokens: 0 }).param).toBe('max_tokens');
    expect(rejection({ ...valid, max_tokens: 2.5 }).param).toBe('max_tokens');
  });

  it('enforces the policy caps on max_tokens and message count', () => {
    const capped = { ...limits, maxTokens: 16_384 };
    const tooMany = rejectionOf(() => parseChatRequest(JSON.stringify({ ...valid, max_tokens: 16_385 }), capped));
    expect(tooMany.message).toMatch(/"max_tokens" is 16385; the limit is 16384/);
    // Without a cap of the policy's own, each model's maximum output is the limit: not the edge's to refuse.
    expect(parseChatRequest(JSON.stringify({ ...valid, max_tokens: 128_000 }), limits).maxTokens).toBe(128_000);
    const messages = Array.from({ length: limits.maxMessages + 1 }, () => ({ role: 'user', content: 'x' }));
    expect(rejection({ model: 'auto', messages }).message).toMatch(/has 100001 messages; the limit is 100000/);
  });

  it('checks max_tokens against the cap also when max_completion_tokens is sent', () => {
    const error = rejectionOf(() => parseChatRequest(JSON.stringify({ ...valid, max_completion_tokens: 10, max_tokens: 4001 }), { ...limits, maxTokens: 4000 }));
    expect([error.status, error.param]).toEqual([400, 'max_tokens']);
    expect(error.message).toBe('"max_tokens" is 4001; the limit is 4000.');
  });

  it("holds metadata and stop sequences to OpenAI's limits", () => {
    const pairs = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 'v']));
    expect(parseChatRequest(JSON.stringify({ ...valid, metadata: pairs(16) }), limits).metadata).toEqual(pairs(16));
    expect(rejection({ ...valid, metadata: pairs(17) }).message).toBe('"metadata" may have at most 16 pairs.');
    expect(rejection({ ...valid, metadata: { ['k'.repeat(900_000)]: 'v' } }).message).toBe(`"metadata.${'k'.repeat(91)}..." is a key that must be at most 64 characters long.`);
    expect(rejection({ ...valid, metadata: { note: 'v'.repeat(513) } }).message).toBe('"metadata.note" must be at most 512 characters long.');
    expect(rejection({ ...valid, stop: ['a', 'b', 'c', 'd', 'e'] }).message).toBe('"stop" may have at most 4 entries.');
    expect(rejection({ ...valid, stop: 'x'.repeat(257) }).param).toBe('stop');
  });

  it('reads response_format text, json_object and json_schema, and names a bad schema name', () => {
    const parse = (format: unknown) => parseChatRequest(JSON.stringify({ ...valid, response_format: format }), limits).responseFormat;
    expect(parse({ type: 'text' })).toEqual({ type: 'text' });
    expect(parse({ type: 'json_object' })).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    expect(parse({ type: 'json_schema', json_schema: { name: 'city', schema, strict: true } })).toEqual({
      type: 'json_schema',
      jsonSchema: { name: 'city', description: undefined, schema, strict: true },
    });
    const bad = rejection({ ...valid, response_format: { type: 'json_schema', json_schema: { name: 'a city' } } });
    expect([bad.param, bad.message]).toEqual(['response_format.json_schema.name', '"response_format.json_schema.name" must be 1 to 64 letters, digits, "_" or "-".']);
  });

  describe('tools', () => {
    const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } };
    const conversation = [
      { role: 'user', content: 'Weather in Lisbon?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":21}' },
    ];

    it('reads tools, tool_choice, parallel_tool_calls, assistant tool calls and tool results', () => {
      const request = parseChatRequest(
        JSON.stringify({ model: 'auto', messages: conversation, tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false }),
        limits,
      );
      expect(request.tools).toEqual([{ name: 'get_weather', description: 'Weather now', parameters: weather.function.parameters, strict: undefined }]);
      expect([request.toolChoice, request.parallelToolCalls]).toEqual([{ name: 'get_weather' }, false]);
      expect(request.messages).toEqual([
        { role: 'user', content: 'Weather in Lisbon?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Lisbon"}' }] },
        { role: 'tool', content: '{"celsius":21}', toolCallId: 'call_1' },
      ]);
      expect(request.dropped).toEqual([]);
    });

    it.each([
      [{ tools: [{ type: 'function', function: { name: 'get weather' } }] }, 'tools[0].function.name', /must be 1 to 64 letters/],
      [{ tools: [weather, weather] }, 'tools[1].function.name', /declared twice/],
      [{ tool_choice: 'auto' }, 'tool_choice', /only allowed when "tools" are specified/],
      [{ tools: [weather], tool_choice: { type: 'function', function: { name: 'send_mail' } } }, 'tool_choice.function.name', /not one of the "tools": get_weather/],
      [{ functions: [{ name: 'f' }] }, 'functions', /deprecated form of "tools"/],
    ])('refuses %j naming the parameter', (extra, param, message) => {
      const error = rejection({ ...valid, ...extra });
      expect([error.param, error.message]).toEqual([param, expect.stringMatching(message)]);
    });

    it('refuses a tool result that answers no earlier call, and arguments that are not a JSON object', () => {
      const orphan = rejection({ model: 'auto', messages: [conversation[0], { role: 'tool', tool_call_id: 'call_9', content: 'x' }] });
      expect([orphan.param, orphan.message]).toEqual(['messages[1].tool_call_id', expect.stringMatching(/"call_9" answers no tool call of an earlier assistant message/)]);
      const broken = rejection({ model: 'auto', messages: [conversation[0], { role: 'assistant', tool_calls: [{ ...call, function: { name: 'get_weather', arguments: '{"city":' } }] }] });
      expect(broken.param).toBe('messages[1].tool_calls[0].function.arguments');
      expect(rejection({ model: 'auto', messages: [{ role: 'function', name: 'f', content: 'x' }] }).code).toBe('unsupported_parameter');
    });
  });

  describe('images', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';

    it('keeps text and image parts in order, and the text as the content', () => {
      const request = parseChatRequest(
        JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: png, detail: 'low' } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] }] }),
        limits,
      );
      expect(request.messages[0]).toEqual({
        role: 'user',
        content: 'What is this?',
        parts: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', image: { url: png, detail: 'low' } },
          { type: 'image', image: { url: 'https://example.com/cat.jpg', detail: undefined } },
        ],
      });
    });

    it('refuses an image that is neither an https URL nor a base64 data URL of a known format, and images outside user messages', () => {
      const bad = rejection({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] });
      expect([bad.param, bad.message]).toEqual(['messages[0].content[0].image_url.url', expect.stringMatching(/png, jpeg, gif, webp/)]);
      const audio = rejection({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] });
      expect([audio.code, audio.param]).toEqual(['unsupported_parameter', 'messages[0].content[0]']);
      const system = rejection({ model: 'auto', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: png } }] }] });
      expect(system.message).toMatch(/only text parts are supported in system messages/);
    });
  });

  it('carries reasoning_effort as the reasoning asked for', () => {
    const request = parseChatRequest(JSON.stringify({ ...valid, reasoning_effort: 'high' }), limits);
    expect([request.reasoning, request.dropped]).toEqual([{ effort: 'high' }, []]);
    expect(rejection({ ...valid, reasoning_effort: 'extreme' }).param).toBe('reasoning_effort');
  });

  it('names the parameters it carries to no provider, and only those', () => {
    const request = parseChatRequest(JSON.stringify({ ...valid, user: 'u-1', seed: 7, temperature: 0.2, frequency_penalty: 0.5, stream: false }), limits);
    expect(request.dropped).toEqual(['frequency_penalty', 'seed', 'user']);
    expect(parseChatRequest(JSON.stringify(valid), limits).dropped).toEqual([]);
  });

  it('accepts stream: false and n: 1', () => {
    expect(() => parseChatRequest(JSON.stringify({ ...valid, stream: false, n: 1 }), limits)).not.toThrow();
  });

  it('reads stream and stream_options.include_usage, and refuses a stream that is not a boolean', () => {
    expect(parseChatRequest(JSON.stringify({ ...valid, stream: true, stream_options: { include_usage: true } }), limits)).toMatchObject({ stream: true, includeUsage: true });
    expect(parseChatRequest(JSON.stringify({ ...valid, stream: true }), limits)).toMatchObject({ stream: true, includeUsage: false });
    expect(parseChatRequest(JSON.stringify(valid), limits)).toMatchObject({ stream: false, includeUsage: false });
    expect(rejection({ ...valid, stream: 'yes' }).param).toBe('stream');
    expect(rejection({ ...valid, n: 2 }).param).toBe('n');
  });
});

describe('wireUsage', () => {
  it("shows cached tokens inside prompt_tokens, and reasoning tokens inside completion_tokens where reported, as OpenAI does", () => {
    expect(wireUsage({ input: 10, output: 30, cacheRead: 100, cacheWrite: 5, reasoning: 20 })).toEqual({
      prompt_tokens: 115,
      completion_tokens: 30,
      total_tokens: 145,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 20 },
    });
    expect(wireUsage({ input: 1, output: 2, cacheRead: 0, cacheWrite: 0 })).not.toHaveProperty('completion_tokens_details');
  });
});
