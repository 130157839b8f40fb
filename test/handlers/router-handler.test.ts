import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { RESPONSE_RESERVE_MS, toGatewayRequest } from '../../lambda/handlers/api-event';
import { createRouterHandler } from '../../lambda/handlers/create-router-handler';
import { ConfigError } from '../../lambda/core/errors';
import type { Gateway, GatewayRequest } from '../../lambda/core/gateway';
import { lambdaContext, proxyEvent } from '../support/api-events';
import { printedLogs } from '../support/printed-logs';

process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
const quietLogger = () => new Logger({ logLevel: 'SILENT' });
const metrics = () => new Metrics({ namespace: 'Test', serviceName: 'test' });

function recordingGateway(): { gateway: Gateway; seen: GatewayRequest[] } {
  const seen: GatewayRequest[] = [];
  const gateway: Gateway = async (request) => {
    seen.push(request);
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId },
      body: '{"ok":true}',
      summary: { endpoint: 'chat', status: 200, tier: '1', model: 'm', attempts: 1, costNanoUsd: 5n, simulated: false, failures: [] },
    };
  };
  return { gateway, seen };
}

describe('toGatewayRequest', () => {
  it('names the caller by the authorizer principal in API-key mode and by the IAM ARN in IAM mode', () => {
    const keyed = toGatewayRequest(proxyEvent({ resource: '/models', principalId: 'key:abc' }), 30_000, 29_000);
    expect(keyed.callerId).toBe('key:abc');
    const signed = toGatewayRequest(proxyEvent({ resource: '/models', userArn: 'arn:aws:iam::123456789012:role/app' }), 30_000, 29_000);
    expect(signed.callerId).toBe('arn:aws:iam::123456789012:role/app');
  });

  it('lower-cases header names, decodes base64 bodies and uses the stage-less resource path', () => {
    const request = toGatewayRequest(
      proxyEvent({ resource: '/chat/completions', headers: { 'X-Switchyard-Tier': '2' }, body: Buffer.from('{"a":1}').toString('base64'), base64: true }),
      30_000,
      29_000,
    );
    expect(request.headers['x-switchyard-tier']).toBe('2');
    expect(request.body).toBe('{"a":1}');
    expect(request.path).toBe('/chat/completions');
    expect(request.requestId).toBe('c6af9ac6-7b61-11e6-9a41-93e8deadbeef');
  });

  it('sets the deadline by the sooner of the Lambda timeout and the API timeout since arrival, keeping time to answer', () => {
    const now = 1_000_000;
    const arrivedNow = proxyEvent({ resource: '/models', requestTimeEpoch: now });
    expect(toGatewayRequest(arrivedNow, 10_000, 29_000, now).deadline).toBe(now + 10_000 - RESPONSE_RESERVE_MS);
    expect(toGatewayRequest(arrivedNow, 60_000, 29_000, now).deadline).toBe(now + 29_000 - RESPONSE_RESERVE_MS);
    // Two seconds went on the authorizer and a cold start before the handler ran.
    const arrivedEarlier = proxyEvent({ resource: '/models', requestTimeEpoch: now - 2000 });
    expect(toGatewayRequest(arrivedEarlier, 60_000, 29_000, now).deadline).toBe(now + 27_000 - RESPONSE_RESERVE_MS);
  });
});

describe('createRouterHandler', () => {
  it('hands the event to the gateway and returns its response as a proxy result', async () => {
    const { gateway, seen } = recordingGateway();
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: quietLogger(), metrics: metrics() });
    const result = await handler(proxyEvent({ resource: '/models', method: 'GET', principalId: 'key:abc' }), lambdaContext());
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('{"ok":true}');
    expect(seen.length).toBe(1);
    expect(seen[0]!.callerId).toBe('key:abc');
  });

  it('answers 500 in the OpenAI envelope when the router cannot start, and tries again next time', async () => {
    let starts = 0;
    const { gateway } = recordingGateway();
    const handler = createRouterHandler({
      start: async () => {
        starts += 1;
        if (starts === 1) throw new ConfigError('Invalid router environment: LEDGER_TABLE_NAME missing');
        return { gateway, requestTimeoutMs: 29_000 };
      },
      logger: quietLogger(),
      metrics: metrics(),
    });
    const failed = await handler(proxyEvent({ resource: '/models', method: 'GET' }), lambdaContext());
    expect(failed.statusCode).toBe(500);
    const { error } = JSON.parse(failed.body);
    expect(error.type).toBe('api_error');
    expect(error.message).toMatch(/c6af9ac6-7b61-11e6-9a41-93e8deadbeef/);
    expect(failed.body).not.toMatch(/LEDGER_TABLE_NAME/);
    const recovered = await handler(proxyEvent({ resource: '/models', method: 'GET' }), lambdaContext());
    expect(recovered.statusCode).toBe(200);
    expect(starts).toBe(2);
  });

  it('stamps each line with its own invocation\'s ids when invocations overlap on one logger', async () => {
    const { gateway } = recordingGateway();
    let release!: () => void;
    const firstHeld = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slowFirst: typeof gateway = async (request) => {
      calls += 1;
      if (calls === 1) await firstHeld;
      return gateway(request);
    };
    const handler = createRouterHandler({ start: async () => ({ gateway: slowFirst, requestTimeoutMs: 29_000 }), logger: new Logger(), metrics: metrics() });
    const invoke = (id: string) => {
      const event = proxyEvent({ resource: '/models', method: 'GET' });
      event.requestContext.requestId = `api-${id}`;
      return handler(event, { ...lambdaContext(), awsRequestId: `lambda-${id}` });
    };

    const { lines } = await printedLogs(async () => {
      const first = invoke('a');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await invoke('b');
      release();
      await first;
    });

    const served = lines.filter((line) => line['message'] === 'request served');
    expect(served.map((line) => [line['requestId'], line['function_request_id']])).toEqual([
      ['api-b', 'lambda-b'],
      ['api-a', 'lambda-a'],
    ]);
    expect(served.map((line) => line['cold_start'])).toEqual([false, true]);
    expect(served[0]).toMatchObject({ function_name: 'switchyard-router', function_memory_size: 1024 });
  });

  it('logs the summary through Powertools, the bigint cost as a decimal string', async () => {
    const { gateway } = recordingGateway();
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: new Logger(), metrics: metrics() });

    const { lines } = await printedLogs(() => handler(proxyEvent({ resource: '/models', method: 'GET' }), lambdaContext()));

    expect(lines.find((line) => line['message'] === 'request served')).toMatchObject({ costNanoUsd: '5', tier: '1', attempts: 1, failures: [] });
  });
});
