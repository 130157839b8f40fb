/** API Gateway proxy events and Lambda contexts shaped like the real ones. */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

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
