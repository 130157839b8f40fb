/**
 * The Bedrock adapter, tying the pieces of this folder together, and the SDK
 * client it is given.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ProviderAdapter } from '../../core/model/provider';
import { failFor } from '../call-failure';
import { fitForBedrock } from './adjust-request';
import { completeWithConverse, streamWithConverse } from './chat';
import { embedWithBedrock } from './embeddings';

export interface BedrockOptions {
  /** Provider id from the policy, normally `bedrock`. */
  readonly provider: string;
  /** A client with `maxAttempts: 1`: retrying is the fallback chain's job. */
  readonly client: BedrockRuntimeClient;
}

export interface BedrockClientOptions {
  /** @default the region the code runs in */
  readonly region?: string;
  /** Sends calls here instead of AWS (the tests' local Bedrock server). */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * A client configured for the router: no SDK-level retries (the fallback
 * chain owns retrying), HTTP/1.1 with keep-alive (Converse needs nothing
 * newer), and a short connect timeout so a dead endpoint fails fast.
 */
export function createBedrockClient(options: BedrockClientOptions = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 3000,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    }),
  });
}

export function createBedrockAdapter(options: BedrockOptions): ProviderAdapter {
  return {
    adjust: fitForBedrock,
    embed: async (call) => embedWithBedrock(options.client, call, failFor(options.provider, call)),
    complete: async (call) => completeWithConverse(options.client, call, failFor(options.provider, call)),
    stream: (call) => streamWithConverse(options.client, call, failFor(options.provider, call)),
  };
}
