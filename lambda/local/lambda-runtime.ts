/** API Gateway proxy events, Lambda contexts and Lambda response streams shaped like the real ones. */
import { Writable } from 'node:stream';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { RouterHandler } from '../handlers/create-router-handler';
import type { HttpResponseMetadata } from '../handlers/response-stream';

export function proxyEvent(overrides: {
  resource: string;
  method?: string;
  body?: string | null;
  headers?: Record<string, string>;
  principalId?: string;
  userArn?: string | null;
  base64?: boolean;
  requestTimeEpoch?: number;
}): APIGatewayProxyEvent {
  return {
    resource: overrides.resource,
    path: overrides.resource,
    httpMethod: overrides.method ?? 'POST',
    headers: overrides.headers ?? { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: overrides.body ?? null,
    isBase64Encoded: overrides.base64 ?? false,
    requestContext: {
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      accountId: '123456789012',
      apiId: 'abc123',
      stage: 'v1',
      httpMethod: overrides.method ?? 'POST',
      path: `/v1${overrides.resource}`,
      resourcePath: overrides.resource,
      resourceId: 'res1',
      protocol: 'HTTP/1.1',
      requestTimeEpoch: overrides.requestTimeEpoch ?? Date.now(),
      authorizer: overrides.principalId ? { principalId: overrides.principalId } : null,
      identity: { sourceIp: '203.0.113.9', userArn: overrides.userArn ?? null } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  } as APIGatewayProxyEvent;
}

export function lambdaContext(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'switchyard-router',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:switchyard-router',
    memoryLimitInMB: '1024',
    awsRequestId: 'aws-req-1',
    logGroupName: '/aws/lambda/switchyard-router',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The response stream Lambda's Node runtime passes a streaming handler,
 * recording every write. Like the runtime's, it runs the hook that
 * `HttpResponseStream.from` sets just before its first write, so the prelude
 * goes out with the first byte of the body and not at all without one.
 */
export class RecordedResponseStream extends Writable {
  /** Every write, in order, the prelude's included. */
  readonly writes: Buffer[] = [];
  beforeFirstWrite: ((write: (chunk: string | Uint8Array) => void) => void) | undefined;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const hook = this.beforeFirstWrite;
    this.beforeFirstWrite = undefined;
    hook?.((prelude) => this.writes.push(Buffer.from(prelude)));
    this.writes.push(chunk);
    callback();
  }
}

const PRELUDE_DELIMITER = Buffer.alloc(8);

/** What the Node runtime defines as `globalThis.awslambda` for response streaming. */
export const lambdaStreamingRuntime = {
  streamifyResponse: <T>(handler: T): T => handler,
  HttpResponseStream: {
    /** As the runtime does: the metadata as JSON, then eight NUL bytes, before the body's first byte. */
    from(responseStream: Writable, metadata: HttpResponseMetadata): Writable {
      if (!(responseStream instanceof RecordedResponseStream)) throw new Error('Only a RecordedResponseStream can stand in for the runtime\'s stream.');
      responseStream.beforeFirstWrite = (write) => {
        write(JSON.stringify(metadata));
        write(PRELUDE_DELIMITER);
      };
      return responseStream;
    },
  },
};

/** Defines Lambda's `awslambda` global as the Node runtime does, until the returned function is called. */
export function useLambdaStreamingRuntime(): () => void {
  const scope = globalThis as { awslambda?: unknown };
  const before = scope.awslambda;
  scope.awslambda = lambdaStreamingRuntime;
  return () => {
    scope.awslambda = before;
  };
}

/** An answer as API Gateway reads it from a streaming Lambda: the prelude, then the body and each write of it. */
export interface StreamedAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body's writes in order: one for a JSON answer, one per event for a stream. */
  readonly writes: readonly string[];
  readonly ended: boolean;
}

/** Splits what a streaming handler wrote into its prelude and body, as API Gateway does. */
export function readStreamedAnswer(stream: RecordedResponseStream): StreamedAnswer {
  const bytes = Buffer.concat(stream.writes);
  const delimiter = bytes.indexOf(PRELUDE_DELIMITER);
  if (delimiter < 0) throw new Error(`No prelude in ${JSON.stringify(bytes.toString('utf8').slice(0, 200))}`);
  const metadata = JSON.parse(bytes.subarray(0, delimiter).toString('utf8')) as HttpResponseMetadata;
  return {
    statusCode: metadata.statusCode,
    headers: metadata.headers,
    body: bytes.subarray(delimiter + PRELUDE_DELIMITER.length).toString('utf8'),
    writes: stream.writes.slice(2).map((chunk) => chunk.toString('utf8')),
    ended: stream.writableEnded,
  };
}

/** Invokes a streaming handler as Lambda would (with {@link useLambdaStreamingRuntime} in force) and reads its answer. */
export async function invokeStreaming(
  handler: RouterHandler,
  event: APIGatewayProxyEvent,
  context: Context = lambdaContext(),
  stream = new RecordedResponseStream(),
): Promise<StreamedAnswer> {
  await handler(event, stream, context);
  return readStreamedAnswer(stream);
}
