import { embeddingModelFor, parseEmbeddingsRequest, toEmbeddingsResponse } from '../../lambda/core/embeddings';
import { defaultPolicy, testPolicy } from '../support/policies';

const limits = testPolicy().limits;
const parse = (body: Record<string, unknown>) => parseEmbeddingsRequest(JSON.stringify(body), limits);

describe('parseEmbeddingsRequest', () => {
  it('takes a text or a list of texts, with dimensions and the encoding, and names what it drops', () => {
    expect(parse({ model: 'auto', input: 'Lisbon', user: 'u1' })).toEqual({ model: 'auto', inputs: ['Lisbon'], dimensions: undefined, encodingFormat: 'float', dropped: ['user'] });
    expect(parse({ model: 'auto', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64' })).toMatchObject({ inputs: ['a', 'b'], dimensions: 256, encodingFormat: 'base64' });
  });

  it.each([
    [{ model: 'auto', input: [[1, 2, 3]] }, 'input'],
    [{ model: 'auto', input: [] }, 'input'],
    [{ model: 'auto', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    [{ model: 'auto', input: 'x', dimensions: 0 }, 'dimensions'],
  ])('refuses %j naming the field', (body, param) => {
    expect(() => parse(body)).toThrow(expect.objectContaining({ param: expect.stringMatching(new RegExp(`^${param}`)) }));
  });
});

describe('embeddingModelFor', () => {
  it("takes auto as the policy's default and refuses chat models, listing the embedding models", () => {
    const policy = defaultPolicy();
    expect(embeddingModelFor('auto', policy).id).toBe('bedrock/amazon.titan-embed-text-v2:0');
    expect(() => embeddingModelFor('bedrock/amazon.nova-lite-v1:0', policy)).toThrow(/Embedding models: bedrock\/amazon.titan-embed-text-v2:0, openai\/text-embedding-3-small/);
    expect(() => embeddingModelFor('auto', testPolicy())).toThrow(/no default embedding model/);
  });
});

describe('toEmbeddingsResponse', () => {
  it('encodes base64 as float32 little-endian bytes, as OpenAI does', () => {
    const response = toEmbeddingsResponse('m', { model: 'm', inputs: ['x'], dimensions: undefined, encodingFormat: 'base64', dropped: [] }, {
      vectors: [[0.5, -1]],
      usage: { input: 3, output: 0, cacheRead: 0, cacheWrite: 0 },
      simulated: false,
    });
    const bytes = Buffer.from(response.data[0]!.embedding as string, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -1]);
    expect(response.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });
});
