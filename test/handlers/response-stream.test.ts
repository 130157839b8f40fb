import { Writable } from 'node:stream';
import { startHttpResponse, streamifyResponse, type StreamingHandler } from '../../lambda/handlers/response-stream';
import { lambdaStreamingRuntime, readStreamedAnswer, RecordedResponseStream } from '../../lambda/local/lambda-runtime';

const scope = globalThis as { awslambda?: unknown };
const handler: StreamingHandler<unknown> = async () => undefined;

describe('response-stream', () => {
  const before = scope.awslambda;
  afterEach(() => {
    scope.awslambda = before;
  });

  it('marks the handler through the runtime when Lambda provides awslambda.streamifyResponse', () => {
    const marked: StreamingHandler<unknown> = async () => undefined;
    scope.awslambda = { ...lambdaStreamingRuntime, streamifyResponse: () => marked };
    expect(streamifyResponse(handler)).toBe(marked);
  });

  it('leaves the handler as it is, and cannot start a plain stream, when awslambda lacks the streaming API, as the SDK leaves it outside Lambda', () => {
    scope.awslambda = { InvokeStore: undefined };
    expect(streamifyResponse(handler)).toBe(handler);
    expect(() => startHttpResponse(new Writable(), { statusCode: 200, headers: {} })).toThrow(/No Lambda runtime/);
  });

  it('starts the response with HttpResponseStream.from in Lambda: the metadata goes before the first byte', () => {
    scope.awslambda = lambdaStreamingRuntime;
    const stream = new RecordedResponseStream();
    startHttpResponse(stream, { statusCode: 201, headers: { 'x-a': '1' } }).end('body');
    expect(readStreamedAnswer(stream)).toMatchObject({ statusCode: 201, headers: { 'x-a': '1' }, body: 'body' });
  });
});
