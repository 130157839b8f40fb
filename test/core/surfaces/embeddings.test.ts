import { createMemoryBudgetStore } from '../../../lambda/core/accounting/budgets';
import { createMemoryCircuitStore } from '../../../lambda/core/execution/circuit-breaker';
import { parseEmbeddingsRequest } from '../../../lambda/core/surfaces/embeddings/parse-request';
import { checkDimensions, embeddingModelFor } from '../../../lambda/core/routing/embedding-model';
import { toEmbeddingsResponse } from '../../../lambda/core/surfaces/embeddings/encode-response';
import { embedTexts } from '../../../lambda/core/execution/embed';
import { ProviderError } from '../../../lambda/core/base/errors';
import { toHttpError } from '../../../lambda/core/surfaces/shared/http-error';
import { createMemoryLedger } from '../../../lambda/core/accounting/ledger';
import type { ProviderAdapter } from '../../../lambda/core/model/provider';
import { defaultPolicy, testPolicy } from '../../support/policies';

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

describe('checkDimensions', () => {
  const model = (providerModelId: string) => ({ id: `p/${providerModelId}`, providerModelId });

  it('takes the sizes each model offers, and no size from a model with one', () => {
    expect(() => checkDimensions(256, model('amazon.titan-embed-text-v2:0'))).not.toThrow();
    expect(() => checkDimensions(700, model('text-embedding-3-small'))).not.toThrow();
    expect(() => checkDimensions(1024, model('us.cohere.embed-v4:0'))).not.toThrow();
    expect(() => checkDimensions(undefined, model('local-bge'))).not.toThrow();
  });

  it.each([
    [150_000, 'amazon.titan-embed-text-v2:0', '"dimensions" is 150000; p/amazon.titan-embed-text-v2:0 offers 256, 512, 1024.'],
    [300, 'amazon.titan-embed-text-v2:0', '"dimensions" is 300; p/amazon.titan-embed-text-v2:0 offers 256, 512, 1024.'],
    [1537, 'text-embedding-3-small', '"dimensions" is 1537; p/text-embedding-3-small offers 1 to 1536.'],
    [256, 'local-bge', '"dimensions" is 256, but p/local-bge has one vector size: leave "dimensions" out.'],
  ])('refuses %d on %s before any call, naming the field and what it may be', (dimensions, id, message) => {
    expect(() => checkDimensions(dimensions, model(id))).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'dimensions', message }));
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

describe('embedTexts', () => {
  const policy = defaultPolicy();
  const titan = policy.models.get('bedrock/amazon.titan-embed-text-v2:0')!;
  const request = { model: 'auto', inputs: ['Lisbon'], dimensions: undefined, encodingFormat: 'float' as const, dropped: [] };
  const context = { requestId: 'r1', callerId: 'key:0123456789abcdef', tier: null, route: null, deadline: Date.now() + 10_000 };
  const dependencies = (embed: ProviderAdapter['embed']) => ({
    policy,
    providers: { get: () => ({ complete: async () => Promise.reject(new Error('not used')), ...(embed ? { embed } : {}) }), isSimulated: () => false },
    ledger: createMemoryLedger(),
    circuits: createMemoryCircuitStore(policy.fallback.circuitBreaker),
    budgets: createMemoryBudgetStore(),
    clock: { now: () => Date.now() },
    log: { info: () => undefined, error: () => undefined },
  });

  it('answers a failed model as a failed chain of one (502 with its attempt), recorded in the ledger', async () => {
    const deps = dependencies(async () => Promise.reject(new ProviderError('unavailable', 'down', { provider: 'bedrock', model: titan.id, status: 503 })));
    const result = await embedTexts(request, titan, context, deps);
    expect(result.ok).toBe(false);
    expect(toHttpError(!result.ok && result.error, 'r1')).toMatchObject({ status: 502, body: { error: { code: 'all_candidates_failed', attempts: [{ model: titan.id, error: 'unavailable' }] } } });
    expect(deps.ledger.records.map((record) => record.outcome)).toEqual(['unavailable']);
  });

  it('refuses a provider that serves no embeddings before any attempt is opened', async () => {
    const deps = dependencies(undefined);
    await expect(embedTexts(request, titan, context, deps)).rejects.toMatchObject({ code: 'invalid_request', param: 'model' });
    expect(deps.ledger.records).toEqual([]);
  });
});
