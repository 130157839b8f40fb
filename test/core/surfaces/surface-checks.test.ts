/**
 * The same bad request sent to every surface gets the same refusal, each in
 * its own envelope: one table of mistakes (tool lists, images, limits, the
 * body itself), one request builder per surface that places each mistake
 * where that API puts the field, and no provider called or attempt written.
 */
import { ANTHROPIC_MESSAGES } from '../../../lambda/core/surfaces/anthropic-messages/surface';
import { testPolicy } from '../../support/policies';
import { gatewayHarness } from '../../support/gateway-harness';
import { scriptedRegistry } from '../../support/scripted-providers';

const policy = testPolicy();
const { maxMessages, maxBodyBytes } = policy.limits;
/** A policy that caps output below the models' own maximum. */
const maxTokens = 2000;
const capped = testPolicy({ limits: { maxTokens, defaultMaxTokens: 1000 } });

/** A mistake, placed in one surface's request. */
interface Mistake {
  readonly tools?: readonly Record<string, unknown>[];
  readonly toolChoice?: Record<string, unknown>;
  readonly imageUrl?: string;
  readonly messages?: number;
  readonly outputTokens?: number;
  readonly metadataPairs?: number;
}

/** How one surface writes each field a mistake can be in, and reads its own error envelope. */
interface SurfaceCase {
  readonly path: string;
  readonly body: (mistake: Mistake) => Record<string, unknown>;
  readonly toolName: (index: number) => string;
  readonly choiceName: string;
  readonly imageParam: string;
  readonly messagesParam: string;
  readonly outputParam: string;
  readonly envelope: (body: any) => { type: string; message: string; param?: string | null };
}

const openAiEnvelope = (body: any) => ({ type: body.error.type, message: body.error.message, param: body.error.param });
const anthropicEnvelope = (body: any) => {
  expect(body.type).toBe('error');
  expect(Object.keys(body.error).sort()).toEqual(['message', 'type']);
  return { type: body.error.type, message: body.error.message };
};

const turns = (count: number, turn: (index: number) => Record<string, unknown>) => Array.from({ length: count }, (_, index) => turn(index));
const named = (names: readonly string[]) => names.map((name) => ({ name }));

const SURFACES: Readonly<Record<string, SurfaceCase>> = {
  'chat completions': {
    path: '/chat/completions',
    body: (m) => ({
      model: 'auto',
      messages: m.imageUrl
        ? [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: m.imageUrl } }] }]
        : turns(m.messages ?? 1, (index) => ({ role: index % 2 ? 'assistant' : 'user', content: 'Say hello.' })),
      ...(m.tools ? { tools: m.tools.map((tool) => ({ type: 'function', function: { parameters: { type: 'object' }, ...tool } })) } : {}),
      ...(m.toolChoice ? { tool_choice: { type: 'function', function: m.toolChoice } } : {}),
      ...(m.outputTokens ? { max_tokens: m.outputTokens } : {}),
      ...(m.metadataPairs ? { metadata: Object.fromEntries(turns(m.metadataPairs, (index) => ({ index })).map(({ index }) => [`k${index}`, 'v'])) } : {}),
    }),
    toolName: (index) => `tools[${index}].function.name`,
    choiceName: 'tool_choice.function.name',
    imageParam: 'messages[0].content[1].image_url.url',
    messagesParam: 'messages',
    outputParam: 'max_tokens',
    envelope: openAiEnvelope,
  },
  responses: {
    path: '/responses',
    body: (m) => ({
      model: 'auto',
      input: m.imageUrl
        ? [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: m.imageUrl }] }]
        : turns(m.messages ?? 1, (index) => ({ role: index % 2 ? 'assistant' : 'user', content: 'Say hello.' })),
      ...(m.tools ? { tools: m.tools.map((tool) => ({ type: 'function', parameters: { type: 'object' }, ...tool })) } : {}),
      ...(m.toolChoice ? { tool_choice: { type: 'function', ...m.toolChoice } } : {}),
      ...(m.outputTokens ? { max_output_tokens: m.outputTokens } : {}),
      ...(m.metadataPairs ? { metadata: Object.fromEntries(turns(m.metadataPairs, (index) => ({ index })).map(({ index }) => [`k${index}`, 'v'])) } : {}),
    }),
    toolName: (index) => `tools[${index}].name`,
    choiceName: 'tool_choice.name',
    imageParam: 'input[0].content[1].image_url',
    messagesParam: 'input',
    outputParam: 'max_output_tokens',
    envelope: openAiEnvelope,
  },
  'anthropic messages': {
    path: '/messages',
    body: (m) => ({
      model: 'auto',
      max_tokens: m.outputTokens ?? 100,
      messages: m.imageUrl
        ? [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: imageSource(m.imageUrl) }] }]
        : turns(m.messages ?? 1, (index) => ({ role: index % 2 ? 'assistant' : 'user', content: 'Say hello.' })),
      ...(m.tools ? { tools: m.tools.map((tool) => ({ input_schema: { type: 'object' }, ...tool })) } : {}),
      ...(m.toolChoice ? { tool_choice: { type: 'tool', ...m.toolChoice } } : {}),
    }),
    toolName: (index) => `tools[${index}].name`,
    choiceName: 'tool_choice.name',
    imageParam: 'messages[0].content[1].source.url',
    messagesParam: 'messages',
    outputParam: 'max_tokens',
    envelope: anthropicEnvelope,
  },
};

/** Anthropic sends a data URL's parts apart: the test checks the same bytes as the others' URL. */
function imageSource(url: string) {
  const data = /^data:(image\/[a-z]+);base64,(.*)$/.exec(url);
  return data ? { type: 'base64', media_type: data[1], data: data[2] } : { type: 'url', url };
}

const OBJECT_SCHEMA = '{"type":"object"}';
/** A JSON schema `levels` objects deep, as text: too deep for a recursive encoder to build. */
const deepSchema = (levels: number) => `${'{"type":"object","properties":{"a":'.repeat(levels)}${OBJECT_SCHEMA}${'}}'.repeat(levels)}`;

function harness(options: { policy?: typeof policy } = {}) {
  const providers = scriptedRegistry({});
  const { send: sendTo, records } = gatewayHarness({}, { providers, ...options });
  const send = async (path: string, body: string) => {
    const response = await sendTo('POST', path, body);
    return { status: response.status, body: JSON.parse(response.body) };
  };
  return { send, providers, records };
}

/** Every mistake, with the refusal every surface must give: its status, and its message with the surface's own field names filled in. */
const MISTAKES: readonly { name: string; mistake: Mistake; status: number; message: (surface: SurfaceCase) => string; param: (surface: SurfaceCase) => string | null }[] = [
  {
    name: 'two tools with the same name',
    mistake: { tools: named(['lookup', 'lookup']) },
    status: 400,
    message: (s) => `"${s.toolName(1)}" "lookup" is declared twice.`,
    param: (s) => s.toolName(1),
  },
  {
    name: 'a tool name with a space',
    mistake: { tools: named(['look up']) },
    status: 400,
    message: (s) => `"${s.toolName(0)}" must be 1 to 64 letters, digits, "_" or "-".`,
    param: (s) => s.toolName(0),
  },
  {
    name: 'more tools than the APIs allow',
    mistake: { tools: named(turns(129, (index) => ({ index })).map(({ index }) => `tool_${index}`)) },
    status: 400,
    message: () => '"tools" may have at most 128 entries.',
    param: () => 'tools',
  },
  {
    name: 'a tool choice naming no declared tool',
    mistake: { tools: named(['lookup']), toolChoice: { name: 'search' } },
    status: 400,
    message: (s) => `"${s.choiceName}" is "search", which is not one of the "tools": lookup.`,
    param: (s) => s.choiceName,
  },
  {
    name: 'an image URL that is neither https nor a data URL',
    mistake: { imageUrl: 'ftp://example.com/cat.png' },
    status: 400,
    message: (s) => `"${s.imageParam}" must be an https URL or a base64 data URL of a png, jpeg, gif, webp image (data:image/png;base64,...).`,
    param: (s) => s.imageParam,
  },
  {
    name: 'a data URL that is not base64',
    mistake: { imageUrl: 'data:image/png;base64,not*base64' },
    status: 400,
    message: (s) => `"${s.imageParam.replace(/source\.url$/, 'source.data')}" must be an https URL or a base64 data URL of a png, jpeg, gif, webp image (data:image/png;base64,...).`,
    param: (s) => s.imageParam.replace(/source\.url$/, 'source.data'),
  },
  {
    name: 'more messages than the policy allows',
    mistake: { messages: maxMessages + 1 },
    status: 400,
    message: (s) => `"${s.messagesParam}" has ${maxMessages + 1} messages; the limit is ${maxMessages}.`,
    param: (s) => s.messagesParam,
  },
];

describe('every surface refuses the same mistakes the same way', () => {
  for (const [surfaceName, surface] of Object.entries(SURFACES)) {
    describe(surfaceName, () => {
      it.each(MISTAKES)('answers $name with the same refusal, in its own envelope, calling no provider', async ({ mistake, status, message, param }) => {
        const { send, providers, records } = harness();
        const response = await send(surface.path, JSON.stringify(surface.body(mistake)));
        expect(response.status).toBe(status);
        const error = surface.envelope(response.body);
        expect(error.type).toBe('invalid_request_error');
        expect(error.message).toBe(message(surface));
        if ('param' in error) expect(error.param).toBe(param(surface));
        expect(providers.calls).toEqual([]);
        expect(records).toEqual([]);
      });

      it('answers a body over the size limit with 413 before reading it', async () => {
        const { send, providers } = harness();
        const response = await send(surface.path, JSON.stringify({ ...surface.body({}), padding: 'x'.repeat(maxBodyBytes) }));
        expect(response.status).toBe(413);
        expect(surface.envelope(response.body).message).toMatch(new RegExp(`^The request body is \\d+ bytes; the limit is ${maxBodyBytes} bytes\\.`));
        expect(providers.calls).toEqual([]);
      });

      it('answers a tool schema nested thousands of levels deep with a 400 that says where, calling no provider', async () => {
        const { send, providers, records } = harness();
        const response = await send(surface.path, JSON.stringify(surface.body({ tools: [{ name: 'deep' }] })).replace(OBJECT_SCHEMA, deepSchema(6000)));
        expect(response.status).toBe(400);
        const error = surface.envelope(response.body);
        expect(error.message).toMatch(/^"tools\[0\]\.\w+\.[\w.]+…" nests objects and arrays more than 64 levels deep; flatten it\.$/);
        if ('param' in error) expect(error.param).toBe('tools');
        expect(providers.calls).toEqual([]);
        expect(records).toEqual([]);
      });

      it('answers malformed JSON with a 400 that says so', async () => {
        const { send } = harness();
        const response = await send(surface.path, '{"model": "auto",');
        expect(response.status).toBe(400);
        expect(surface.envelope(response.body).message).toMatch(/^The request body is not valid JSON/);
      });
    });
  }

  it('answers an oversize or malformed body on embeddings and count_tokens the same way, each in its envelope', async () => {
    const { send } = harness();
    const cases = [
      { path: '/embeddings', body: { model: 'auto', input: 'hello' }, envelope: openAiEnvelope },
      { path: '/messages/count_tokens', body: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, envelope: anthropicEnvelope },
    ];
    for (const { path, body, envelope } of cases) {
      const large = await send(path, JSON.stringify({ ...body, padding: 'x'.repeat(maxBodyBytes) }));
      expect([large.status, envelope(large.body).message]).toEqual([413, expect.stringMatching(new RegExp(`^The request body is \\d+ bytes; the limit is ${maxBodyBytes} bytes\\.`))]);
      const broken = await send(path, '{"model": "auto",');
      expect([broken.status, envelope(broken.body).message]).toEqual([400, expect.stringMatching(/^The request body is not valid JSON/)]);
    }
  });

  it('answers a body nested thousands of levels deep on /route, count_tokens and embeddings with a 400 that says where', async () => {
    const { send, providers } = harness();
    const deep = /^"[\w.[\]]+…" nests objects and arrays more than 64 levels deep; flatten it\.$/;
    const tools = JSON.stringify([{ name: 'deep', input_schema: { type: 'object' } }]).replace(OBJECT_SCHEMA, deepSchema(6000));
    const cases = [
      { path: '/route', body: `{"model":"auto","messages":[{"role":"user","content":"hi"}],"tools":${tools.replace('"input_schema"', '"type":"function","function":{"name":"deep","parameters"').replace(/\]$/, '}]')}}`, envelope: openAiEnvelope },
      { path: '/messages/count_tokens', body: `{"model":"auto","messages":[{"role":"user","content":"hi"}],"tools":${tools}}`, envelope: anthropicEnvelope },
      { path: '/embeddings', body: `{"model":"auto","input":"hi","metadata":${deepSchema(100)}}`, envelope: openAiEnvelope },
    ];
    for (const { path, body, envelope } of cases) {
      const response = await send(path, body);
      expect([path, response.status, envelope(response.body).message]).toEqual([path, 400, expect.stringMatching(deep)]);
    }
    expect(providers.calls).toEqual([]);
  });

  it('refuses more output than the policy allows on the OpenAI surfaces, while Anthropic\'s lowers it and says so (Claude Code always asks for more)', async () => {
    const { send } = harness({ policy: capped });
    for (const surface of [SURFACES['chat completions']!, SURFACES['responses']!]) {
      const response = await send(surface.path, JSON.stringify(surface.body({ outputTokens: maxTokens + 1 })));
      expect([response.status, surface.envelope(response.body).message]).toEqual([400, `"${surface.outputParam}" is ${maxTokens + 1}; the limit is ${maxTokens}.`]);
    }
    const anthropic = ANTHROPIC_MESSAGES.parse(JSON.stringify(SURFACES['anthropic messages']!.body({ outputTokens: maxTokens + 1 })), capped.limits, {});
    expect([anthropic.maxTokens, anthropic.adjusted]).toEqual([maxTokens, [`max_tokens ${maxTokens + 1}->${maxTokens}`]]);
  });

  it('holds metadata to OpenAI\'s 16 pairs on both OpenAI surfaces', async () => {
    const { send } = harness();
    for (const surface of [SURFACES['chat completions']!, SURFACES['responses']!]) {
      const response = await send(surface.path, JSON.stringify(surface.body({ metadataPairs: 17 })));
      expect([response.status, surface.envelope(response.body).message]).toEqual([400, '"metadata" may have at most 16 pairs.']);
    }
  });

  it('answers count_tokens in Anthropic\'s envelope, with the same tool checks as /messages', async () => {
    const { send } = harness();
    const { max_tokens: _none, ...body } = SURFACES['anthropic messages']!.body({ tools: named(['lookup', 'lookup']) });
    const response = await send('/messages/count_tokens', JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(anthropicEnvelope(response.body).message).toBe('"tools[1].name" "lookup" is declared twice.');
  });
});
