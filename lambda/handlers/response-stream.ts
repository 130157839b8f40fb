/**
 * Lambda response streaming, and its stand-in for the local server.
 *
 * In Lambda the runtime hands a streaming handler a response stream, and
 * `awslambda.HttpResponseStream.from` puts API Gateway's prelude (the status
 * and headers as JSON, then eight NUL bytes) in front of the first byte of
 * the body. Locally the response stream is Node's `ServerResponse`: starting
 * it sets the status and headers, which go out with the first byte, and every
 * write goes straight to the socket. The router handler calls
 * {@link startHttpResponse} and never knows which of the two it has.
 */
import { ServerResponse } from 'node:http';
import type { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';

/** The status and headers, as API Gateway reads them from the prelude. */
export interface HttpResponseMetadata {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Lambda's streaming handler signature: the answer is written to `responseStream`, and the promise says when the work is done. */
export type StreamingHandler<TEvent> = (event: TEvent, responseStream: Writable, context: Context) => Promise<void>;

/** The part of the Node runtime's `awslambda` global that Switchyard uses. */
interface LambdaStreamingRuntime {
  readonly HttpResponseStream: { from(responseStream: Writable, metadata: HttpResponseMetadata): Writable };
  streamifyResponse<TEvent>(handler: StreamingHandler<TEvent>): StreamingHandler<TEvent>;
}

/** The runtime's streaming API, when there is one: outside Lambda, `@aws/lambda-invoke-store` (in the SDK) leaves an `awslambda` without it. */
function lambdaRuntime(): LambdaStreamingRuntime | undefined {
  const candidate = (globalThis as unknown as { awslambda?: Partial<LambdaStreamingRuntime> }).awslambda;
  return candidate?.HttpResponseStream && candidate.streamifyResponse ? (candidate as LambdaStreamingRuntime) : undefined;
}

/**
 * Marks `handler` as streaming for the Lambda runtime, which then invokes it
 * with a response stream. Outside Lambda there is no runtime to tell, and
 * the handler is returned as it is.
 */
export function streamifyResponse<TEvent>(handler: StreamingHandler<TEvent>): StreamingHandler<TEvent> {
  return lambdaRuntime()?.streamifyResponse(handler) ?? handler;
}

/**
 * Starts the HTTP response on `responseStream` and returns the stream to
 * write the body to: `HttpResponseStream.from` in Lambda, the status and
 * headers set on the `ServerResponse` locally.
 */
export function startHttpResponse(responseStream: Writable, metadata: HttpResponseMetadata): Writable {
  if (responseStream instanceof ServerResponse) {
    // Set one by one, not passed to writeHead, so the local server can read them back for its access line.
    for (const [name, value] of Object.entries(metadata.headers)) responseStream.setHeader(name, value);
    responseStream.statusCode = metadata.statusCode;
    return responseStream;
  }
  const runtime = lambdaRuntime();
  if (!runtime) throw new Error('No Lambda runtime to start the response with, and the response stream is no ServerResponse.');
  return runtime.HttpResponseStream.from(responseStream, metadata);
}
