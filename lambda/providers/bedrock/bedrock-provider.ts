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
import { completeNative, streamNative } from './native-messages';
import { claudeNameOfModel } from '../../core/routing/claude-names';
import type { ModelSpec } from '../../policy/policy';

export interface BedrockOptions {
  /** Provider id from the policy, normally `bedrock`. */
  readonly provider: string;
  /** A client with `maxAttempts: 1`: retrying is the fallback chain's job. */
  readonly client: BedrockRuntimeClient;
  /** The client's endpoint when it is not the Region's own (the tests' local Bedrock server), for the Messages API. */
  readonly endpoint?: string | undefined;
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

/**
 * Messages requests for Claude 5 and later go to Bedrock's own Messages API
 * with their fields as sent (a model's `api` in the policy can say otherwise);
 * everything else goes through Converse, fitted by its rules.
 */
export function createBedrockAdapter(options: BedrockOptions): ProviderAdapter {
  const native = { client: options.client, endpoint: options.endpoint };
  return {
    speaksAnthropicMessages: (model) => bedrockApiOf(model) === 'messages',
    // A native call goes as the caller sent it: Converse's rules are not for it.
    adjust: (call) => (call.anthropicBody ? { call, adjusted: [] } : fitForBedrock(call)),
    embed: async (call) => embedWithBedrock(options.client, call, failFor(options.provider, call)),
    complete: async (call) =>
      call.anthropicBody ? completeNative(native, call, failFor(options.provider, call)) : completeWithConverse(options.client, call, failFor(options.provider, call)),
    stream: (call) => (call.anthropicBody ? streamNative(native, call, failFor(options.provider, call)) : streamWithConverse(options.client, call, failFor(options.provider, call))),
  };
}

/** The API Messages requests for a model go through: the policy's choice, else Claude 5 and later on Messages, the rest on Converse. */
export function bedrockApiOf(model: Pick<ModelSpec, 'providerModelId' | 'api'>): 'messages' | 'converse' {
  return model.api ?? ((claudeNameOfModel(model)?.version[0] ?? 0) >= 5 ? 'messages' : 'converse');
}
