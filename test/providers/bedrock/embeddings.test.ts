import { loadPolicy } from '../../../lambda/policy/load-policy';
import { fixture } from '../../support/fixtures';
import { defaultPolicyDocument } from '../../support/policies';
import type { ScriptedServer } from '../../support/scripted-server';
import { useBedrockWireServer, type BedrockAdapter } from '../../support/bedrock-wire';

const document = defaultPolicyDocument();
document.models['bedrock/cohere.embed-v4:0'] = { type: 'embedding', contextWindow: 128_000 };
const policy = loadPolicy(document);
const titan = policy.models.get('bedrock/amazon.titan-embed-text-v2:0')!;
const cohere = policy.models.get('bedrock/cohere.embed-v4:0')!;
const COHERE = fixture<{ embeddings: { float: number[][] } }>('bedrock/cohere-embed-v4.json');

describe('Bedrock embeddings through InvokeModel, with the real SDK against a local Bedrock wire server', () => {
  let server: ScriptedServer;
  let adapter: BedrockAdapter;
  useBedrockWireServer((wire) => ({ server, adapter } = wire));
  const embed = (model = cohere, inputs: string[] = ['lisbon', 'porto'], dimensions?: number) =>
    adapter.embed!({ model, inputs, dimensions, signal: AbortSignal.timeout(2000) });

  it('sends Cohere Embed the texts in one call, and counts tokens from the header Bedrock adds', async () => {
    server.respond(() => ({ headers: { 'x-amzn-bedrock-input-token-count': '7' }, body: COHERE }));
    const result = await embed(cohere, ['lisbon', 'porto'], 512);
    expect(result).toEqual({ vectors: COHERE.embeddings.float, usage: { input: 7, output: 0, cacheRead: 0, cacheWrite: 0 }, simulated: false });
    expect(server.requests.at(-1)!.path).toBe('/model/cohere.embed-v4%3A0/invoke');
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ texts: ['lisbon', 'porto'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 512 });
  });

  it('splits more than 96 texts into calls of 96, in order, and sums their tokens', async () => {
    server.respond((request) => {
      const texts: string[] = JSON.parse(request.body).texts;
      return { headers: { 'x-amzn-bedrock-input-token-count': String(texts.length) }, body: { embeddings: { float: texts.map((text) => [Number(text)]) } } };
    });
    const inputs = Array.from({ length: 100 }, (_, index) => String(index));
    const result = await embed(cohere, inputs);
    expect(result.vectors.map((vector) => vector[0])).toEqual(inputs.map(Number));
    expect(result.usage.input).toBe(100);
    expect(server.requests.slice(-2).map((request) => JSON.parse(request.body).texts.length).sort()).toEqual([4, 96]);
  });

  it('is a malformed response when Cohere answers without a vector per text or without the token header', async () => {
    server.respond(() => ({ headers: { 'x-amzn-bedrock-input-token-count': '7' }, body: { embeddings: { float: [[1]] } } }));
    await expect(embed()).rejects.toMatchObject({ kind: 'malformed_response' });
    server.respond(() => ({ body: COHERE }));
    await expect(embed()).rejects.toMatchObject({ kind: 'malformed_response', message: expect.stringMatching(/token-count header/) });
  });

  it('sends Titan one text a call, with its dimensions', async () => {
    server.respond(() => ({ body: fixture('bedrock/titan-embed-v2.json') }));
    const result = await embed(titan, ['lisbon'], 256);
    expect(result.usage.input).toBe(6);
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ inputText: 'lisbon', dimensions: 256, normalize: true });
  });

  it('sorts a throttled call as throttled, like any Bedrock call', async () => {
    server.respond(() => ({ status: 429, headers: { 'x-amzn-errortype': 'ThrottlingException' }, body: { message: 'Too many requests' } }));
    await expect(embed()).rejects.toMatchObject({ kind: 'throttled' });
  });
});
