/**
 * Claude through Bedrock's own Anthropic Messages API (`POST /anthropic/v1/messages`
 * on the bedrock-runtime endpoint, server-sent events when streaming): the
 * caller's Messages request goes as it came, so prompt-cache prefixes, signed
 * thinking and per-turn controls survive. The SDK has no command for it, so the
 * request is signed with SigV4 by the SDK's own signer and the client's own
 * credentials and Region, and sent with `fetch`. Authorised by
 * `bedrock:InvokeModel` (and `bedrock:InvokeModelWithResponseStream` for streams)
 * on the model's inference profile, as Converse is.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SignatureV4 } from '@smithy/signature-v4';
import { ProviderError } from '../../core/base/errors';
import type { Completion, CompletionChunk } from '../../core/model/completion';
import type { CompletionCall } from '../../core/model/provider';
import { readText, type Fail } from '../call-failure';
import { connectionFailure } from '../failure-kinds';
import { messagesBody } from '../anthropic-wire/messages-body';
import { readEvents } from '../anthropic-wire/read-events';
import { readMessage, statusFailure } from '../anthropic-wire/read-message';

const PATH = '/anthropic/v1/messages';
/** The Messages API version every Claude Code and SDK request names. */
const ANTHROPIC_VERSION = '2023-06-01';

export interface NativeMessagesSettings {
  readonly client: BedrockRuntimeClient;
  /** Where Bedrock is (the tests' local server); the Region's bedrock-runtime endpoint when absent. */
  readonly endpoint?: string | undefined;
}

export async function completeNative(settings: NativeMessagesSettings, call: CompletionCall, fail: Fail): Promise<Completion> {
  const response = await post(settings, call, false, call.signal, fail);
  const text = await readText(response, call, fail);
  if (!response.ok) throw statusFailure(response.status, text, response.headers.get('x-amzn-errortype'), fail);
  return readMessage(text, fail);
}

export async function* streamNative(settings: NativeMessagesSettings, call: CompletionCall, fail: Fail): AsyncGenerator<CompletionChunk> {
  // Ours to abort when the consumer stops early, so Bedrock stops generating (and billing).
  const cancel = new AbortController();
  try {
    const response = await post(settings, call, true, AbortSignal.any([call.signal, cancel.signal]), fail);
    if (!response.ok) throw statusFailure(response.status, await readText(response, call, fail), response.headers.get('x-amzn-errortype'), fail);
    if (!response.body || !/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
      throw fail('malformed_response', `a streamed answer came as ${response.headers.get('content-type') ?? 'no content type'}, not server-sent events`, { status: 200 });
    }
    yield* readEvents(response.body, call.signal, fail);
  } finally {
    cancel.abort();
  }
}

/** Signs the request with the client's credentials and Region, then sends it. */
async function post(settings: NativeMessagesSettings, call: CompletionCall, stream: boolean, signal: AbortSignal, fail: Fail): Promise<Response> {
  let region: string;
  let credentials: Awaited<ReturnType<BedrockRuntimeClient['config']['credentials']>>;
  try {
    [region, credentials] = await Promise.all([settings.client.config.region(), settings.client.config.credentials()]);
  } catch (error) {
    // No credentials (or no Region) is this deployment's fault, not the network's.
    throw fail('provider_auth', `could not read the AWS credentials or Region to sign with: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    const url = new URL(PATH, settings.endpoint ?? `https://bedrock-runtime.${region}.amazonaws.com`);
    const body = JSON.stringify(messagesBody(call, stream));
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      ...(call.betas.length > 0 ? { 'anthropic-beta': call.betas.join(',') } : {}),
    };
    const signer = new SignatureV4({ service: 'bedrock', region, sha256: NodeSha256, credentials });
    const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname, query: {}, headers, body });
    // fetch writes the Host header itself, the same one that was signed.
    const { host: _host, ...sent } = signed.headers;
    return await fetch(url, { method: 'POST', headers: sent, body, signal });
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw fail(...connectionFailure(error, call.signal), { cause: error });
  }
}

/** SHA-256 for the signer from Node's own crypto: a hash, or with a secret an HMAC. */
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' || secret instanceof Uint8Array ? secret : bytesOf(secret);
    this.hash = this.fresh();
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' || data instanceof Uint8Array ? data : bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
