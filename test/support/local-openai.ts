/**
 * A local gateway on simulated providers under one policy, and the official
 * openai client pointed at it, started before a describe block's tests and
 * closed after them.
 */
import OpenAI from 'openai';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { PolicyDocument } from '../../lambda/policy/schema';

export interface LocalOpenAi {
  /** Both set once the block's `beforeAll` has run. */
  gateway: LocalGateway;
  client: OpenAI;
}

export function useLocalOpenAi(document: PolicyDocument, apiKey: string): LocalOpenAi {
  const local = {} as LocalOpenAi;
  beforeAll(async () => {
    local.gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(document) });
    local.client = new OpenAI({ baseURL: local.gateway.baseUrl, apiKey, maxRetries: 0 });
  });
  afterAll(() => local.gateway?.close());
  return local;
}
