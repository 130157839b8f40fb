import { failureKindOfStatus } from '../../../lambda/providers/failure-kinds';
import { ProviderError, type ProviderFailureKind } from '../../../lambda/core/base/errors';
import { classifySdkError } from '../../../lambda/providers/bedrock/errors';
import { loadPolicy } from '../../../lambda/policy/load-policy';
import type { CompletionCall } from '../../../lambda/core/model/provider';
import { toConverseMessages } from '../../../lambda/providers/bedrock/convert-to-converse-messages';
import { fixture } from '../../support/fixtures';
import { failureOf } from '../../support/provider-failure';
import { defaultPolicyDocument } from '../../support/policies';
import { useBedrockWireServer, type BedrockAdapter } from '../../support/bedrock-wire';
import type { ScriptedResponse, ScriptedServer } from '../../support/scripted-server';
import { completionCall } from '../../support/completion-calls';

const model = loadPolicy(defaultPolicyDocument()).models.get('bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0')!;
const errors = fixture<Record<string, { status: number; message: string }>>('bedrock/errors.json');
const call = (overrides: Partial<CompletionCall> = {}) => completionCall(model, overrides);

/** Bedrock's restJson1 errors: the type in x-amzn-errortype, the message in the body. */
function bedrockError(name: string): ScriptedResponse {
  const { status, message } = errors[name]!;
  const type = name.split('.')[0]!;
  return { status, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, body: { message } };
}

describe('Bedrock Converse adapter, with the real SDK against a local Bedrock wire server', () => {
  let server: ScriptedServer;
  let adapter: BedrockAdapter;
  useBedrockWireServer((wire) => ({ server, adapter } = wire));

  const failure = (response: ScriptedResponse, overrides: Partial<CompletionCall> = {}) => failureOf(server, adapter, response, call(overrides));

  it('sends a Converse request and normalises usage, cache reads and writes included', async () => {
    server.respond(() => ({ body: fixture('bedrock/converse-success.json') }));
    const completion = await adapter.complete(call());
    expect(completion).toEqual({
      content: 'Lisbon',
      finishReason: 'stop',
      usage: { input: 188, output: 4, cacheRead: 1024, cacheWrite: 1024 },
      simulated: false,
    });
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/model/global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse');
    expect(String(sent.headers['authorization'])).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
    expect(JSON.parse(sent.body)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Where did I fly?' }, { text: 'I flew to Lisbon.' }] }],
      system: [{ text: 'Answer in one sentence.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    });
  });

  it('closes the system blocks and the last message with a cachePoint when the call asks to cache the prompt', async () => {
    server.respond(() => ({ body: fixture('bedrock/converse-success.json') }));
    await adapter.complete(call({ cachePrompt: true }));
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Where did I fly?' }, { text: 'I flew to Lisbon.' }, { cachePoint: { type: 'default' } }] }],
      system: [{ text: 'Answer in one sentence.' }, { cachePoint: { type: 'default' } }],
      inferenceConfig: { maxTokens: 64, temperature: 0.5 },
    });
  });

  it('marks only the end of the conversation when a cached prompt has no system prompt, and nothing when caching is off', async () => {
    const messages = [
      { role: 'user', content: 'Where did I fly?' },
      { role: 'assistant', content: 'Lisbon.' },
      { role: 'user', content: 'And when?' },
    ] as const;
    server.respond(() => ({ body: fixture('bedrock/converse-success.json') }));
    const turns = (last: object[]) => [
      { role: 'user', content: [{ text: 'Where did I fly?' }] },
      { role: 'assistant', content: [{ text: 'Lisbon.' }] },
      { role: 'user', content: [{ text: 'And when?' }, ...last] },
    ];

    await adapter.complete(call({ messages, cachePrompt: true }));
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ messages: turns([{ cachePoint: { type: 'default' } }]), system: [] });

    await adapter.complete(call({ messages, cachePrompt: false }));
    const uncached = server.requests.at(-1)!.body;
    expect(JSON.parse(uncached)).toMatchObject({ messages: turns([]), system: [] });
    expect(uncached).not.toContain('cachePoint');
  });

  it('reports stopReason max_tokens as finish_reason length', async () => {
    server.respond(() => ({ body: fixture('bedrock/converse-max-tokens.json') }));
    expect((await adapter.complete(call())).finishReason).toBe('length');
  });

  const cases: [string, ProviderFailureKind][] = [
    ['ThrottlingException', 'throttled'],
    ['ModelNotReadyException', 'throttled'],
    ['ServiceQuotaExceededException', 'throttled'],
    ['ValidationException.context', 'context_length'],
    ['ValidationException.input', 'context_length'],
    ['ValidationException.other', 'rejected'],
    ['AccessDeniedException', 'model_unavailable'],
    ['AccessDeniedException.marketplace', 'model_unavailable'],
    ['AccessDeniedException.iam', 'provider_auth'],
    ['ValidationException.onDemand', 'model_unavailable'],
    ['ResourceNotFoundException', 'model_unavailable'],
    ['ModelTimeoutException', 'timeout'],
    ['ModelErrorException', 'unavailable'],
    ['InternalServerException', 'unavailable'],
    ['ServiceUnavailableException', 'unavailable'],
  ];
  for (const [name, kind] of cases) {
    it(`sorts ${name} (HTTP ${errors[name]!.status}) as ${kind}`, async () => {
      const error = await failure(bedrockError(name));
      expect(error.kind).toBe(kind);
      expect(error.status).toBe(errors[name]!.status);
      expect(error.model).toBe(model.id);
    });
  }

  it('sorts unnamed statuses from a proxy as every adapter does: 502 unavailable, 504 and 408 timeout, 429 throttled', async () => {
    for (const status of [502, 504, 408, 429]) {
      expect((await failure({ status, body: '<html>proxy</html>' })).kind).toBe(failureKindOfStatus(status));
    }
    expect([502, 504, 408, 429].map(failureKindOfStatus)).toEqual(['unavailable', 'timeout', 'timeout', 'throttled']);
  });

  it('treats a guardrail intervention as a content-filter failure that keeps its usage', async () => {
    const error = await failure({ body: fixture('bedrock/converse-guardrail.json') });
    expect(error.kind).toBe('content_filter');
    expect(error.usage).toEqual({ input: 31, output: 0, cacheRead: 0, cacheWrite: 0 });
  });

  it('sorts a response without output, or that is not JSON, as malformed', async () => {
    expect((await failure({ body: fixture('bedrock/converse-no-output.json') })).kind).toBe('malformed_response');
    expect((await failure({ body: '{"output": {"mess' })).kind).toBe('malformed_response');
  });

  it('times out at the deadline and sorts a dropped connection as a connection fault', async () => {
    const slow = await failure({ delayMs: 500, body: fixture('bedrock/converse-success.json') }, { signal: AbortSignal.timeout(50) });
    expect(slow.kind).toBe('timeout');
    expect((await failure({ hangUp: true })).kind).toBe('connection');
  });
});

describe('toConverseMessages', () => {
  it('drops system turns and merges neighbouring turns of one role, as Converse requires', () => {
    expect(toConverseMessages([
        { role: 'system', content: 's' },
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'assistant', content: 'c' },
        { role: 'user', content: 'd' },
      ])).toEqual([
        { role: 'user', content: [{ text: 'a' }] },
        { role: 'assistant', content: [{ text: 'b' }, { text: 'c' }] },
        { role: 'user', content: [{ text: 'd' }] },
      ]);
  });
});

describe('classifySdkError', () => {
  it('sorts missing AWS credentials as provider_auth, which no retry fixes, and says how to give some', () => {
    const fail = (kind: ProviderFailureKind, message: string) => new ProviderError(kind, message, { provider: 'bedrock', model: 'bedrock/amazon.nova-lite-v1:0' });
    const missing = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const error = classifySdkError(missing, new AbortController().signal, fail);
    expect(error.kind).toBe('provider_auth');
    expect(error.message).toMatch(/^no AWS credentials or Region to call Bedrock with \(Could not load credentials from any providers\)\. Set AWS_REGION and AWS_PROFILE/);
    // The SDK's own words when no Region is configured: the same fault, the same advice.
    expect(classifySdkError(new Error('Region is missing'), new AbortController().signal, fail).kind).toBe('provider_auth');
  });
});
