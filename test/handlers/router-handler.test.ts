import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { RESPONSE_RESERVE_MS, toGatewayRequest } from '../../lambda/handlers/api-event';
import { createRouterHandler, requestLine } from '../../lambda/handlers/create-router-handler';
import { ConfigError } from '../../lambda/core/base/errors';
import type { Gateway, GatewayRequest, GatewayResponse, RequestSummary } from '../../lambda/core/gateway/types';
import {
  invokeStreaming,
  lambdaContext,
  proxyEvent,
  readStreamedAnswer,
  RecordedResponseStream,
  useLambdaStreamingRuntime,
} from '../../lambda/local/lambda-runtime';
import { printedLogs } from '../support/printed-logs';

process.env['POWERTOOLS_METRICS_DISABLED'] = 'true';
const quietLogger = () => new Logger({ logLevel: 'SILENT' });
const metrics = () => new Metrics({ namespace: 'Test', serviceName: 'test' });

const SUMMARY: RequestSummary = { endpoint: 'chat', status: 200, tier: '1', model: 'm', attempts: 1, costNanoUsd: 5n, flagshipCostNanoUsd: 20n, route: null, providerLatencyMs: 3, simulated: false, failures: [] };

function recordingGateway(): { gateway: Gateway; seen: GatewayRequest[] } {
  const seen: GatewayRequest[] = [];
  const gateway: Gateway = async (request) => {
    seen.push(request);
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId },
      body: '{"ok":true}',
      summary: SUMMARY,
    };
  };
  return { gateway, seen };
}

const frame = (index: number) => `data: {"index":${index}}\n\n`;

/**
 * A gateway that streams `data: {"index":N}` frames, `gapMs` apart, `count` of
 * them (or until stopped), and says when the provider call ended.
 */
function streamingGateway(options: { count: number; gapMs?: number }) {
  const state = { produced: 0, ended: false };
  let settle!: (summary: RequestSummary) => void;
  const summary = new Promise<RequestSummary>((resolve) => (settle = resolve));
  async function* events() {
    try {
      for (let index = 0; index < options.count; index += 1) {
        if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
        state.produced += 1;
        yield frame(index);
      }
    } finally {
      // The provider call ends here, also when the consumer stopped early.
      state.ended = true;
      settle({ ...SUMMARY, attempts: 2, costNanoUsd: 42n, failures: ['throttled'] });
    }
  }
  const gateway: Gateway = async (request): Promise<GatewayResponse> => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'x-switchyard-request-id': request.requestId, 'x-switchyard-model': 'm' },
    body: '',
    summary: { ...SUMMARY, costNanoUsd: 0n },
    stream: { events: events(), summary },
  });
  return { gateway, state };
}

/** A response stream whose reader goes away once it has the first frame, as a client that hangs up. */
class HangsUpAfterFirstFrame extends RecordedResponseStream {
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    super._write(chunk, encoding, callback);
    if (this.writes.length === 3) this.destroy();
  }
}

let restoreRuntime: () => void;
beforeAll(() => (restoreRuntime = useLambdaStreamingRuntime()));
afterAll(() => restoreRuntime());

describe('toGatewayRequest', () => {
  it('names the caller by the authorizer principal in API-key mode and by the IAM ARN in IAM mode', () => {
    const keyed = toGatewayRequest(proxyEvent({ resource: '/models', principalId: 'key:abc' }), 30_000, 29_000);
    expect(keyed.callerId).toBe('key:abc');
    const signed = toGatewayRequest(proxyEvent({ resource: '/models', userArn: 'arn:aws:iam::123456789012:user/alice' }), 30_000, 29_000);
    expect(signed.callerId).toBe('arn:aws:iam::123456789012:user/alice');
  });

  it('names an assumed role by the role, not the session, in any partition', () => {
    const session = (arn: string) => toGatewayRequest(proxyEvent({ resource: '/models', userArn: arn }), 30_000, 29_000).callerId;
    expect(session('arn:aws:sts::123456789012:assumed-role/app/i-0abc123')).toBe('arn:aws:iam::123456789012:role/app');
    expect(session('arn:aws-us-gov:sts::123456789012:assumed-role/app/botocore-session-1')).toBe('arn:aws-us-gov:iam::123456789012:role/app');
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
    expect(request.bodyNotUtf8).toBeUndefined();
  });

  it('marks a base64 body that is not UTF-8 with the size sent, for the gateway to refuse', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const request = toGatewayRequest(proxyEvent({ resource: '/chat/completions', body: bytes.toString('base64'), base64: true }), 30_000, 29_000);
    expect(request.bodyNotUtf8).toBe(6);
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
  it('hands the event to the gateway and streams its JSON answer: status and headers in the prelude, the body in one write', async () => {
    const { gateway, seen } = recordingGateway();
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: quietLogger(), metrics: metrics() });
    const result = await invokeStreaming(handler, proxyEvent({ resource: '/models', method: 'GET', principalId: 'key:abc' }));
    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'content-type': 'application/json', 'x-switchyard-request-id': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef' });
    expect(result.body).toBe('{"ok":true}');
    expect(result.writes).toEqual(['{"ok":true}']);
    expect(result.ended).toBe(true);
    expect(seen.length).toBe(1);
    expect(seen[0]!.callerId).toBe('key:abc');
  });

  it('writes each event of a streamed answer as its own write, in order, after a text/event-stream prelude, then ends', async () => {
    const { gateway, state } = streamingGateway({ count: 3 });
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: new Logger(), metrics: metrics() });

    const stream = new RecordedResponseStream();
    const { lines } = await printedLogs(() => handler(proxyEvent({ resource: '/chat/completions' }), stream, lambdaContext()));

    const bytes = Buffer.concat(stream.writes);
    const prelude = bytes.subarray(0, bytes.indexOf(Buffer.alloc(8)));
    expect(JSON.parse(prelude.toString('utf8'))).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-switchyard-request-id': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', 'x-switchyard-model': 'm' },
    });
    const result = readStreamedAnswer(stream);
    expect(result.writes).toEqual([frame(0), frame(1), frame(2)]);
    expect(result.body).toBe(frame(0) + frame(1) + frame(2));
    expect(result.ended).toBe(true);
    expect(state).toEqual({ produced: 3, ended: true });
    const served = lines.find((line) => line['message'] === 'request served');
    expect(served).toMatchObject({ costNanoUsd: '42', attempts: 2 });
    expect(served).not.toHaveProperty('clientGone');
  });

  it('stops iterating when the client hangs up, so the provider call ends, and logs the whole summary', async () => {
    const { gateway, state } = streamingGateway({ count: 1000, gapMs: 5 });
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: new Logger(), metrics: metrics() });

    const stream = new HangsUpAfterFirstFrame();
    const { lines } = await printedLogs(() => handler(proxyEvent({ resource: '/chat/completions' }), stream, lambdaContext()));

    expect(state.ended).toBe(true);
    expect(state.produced).toBeLessThanOrEqual(2);
    expect(stream.writes.slice(2).map(String)).toEqual([frame(0)]);
    expect(lines.find((line) => line['message'] === 'request served')).toMatchObject({ clientGone: true, costNanoUsd: '42', attempts: 2, failures: ['throttled'] });
  });

  it("writes a streamed answer's one line from the summary that settles after its last event", async () => {
    const { gateway } = streamingGateway({ count: 2 });
    const lines: string[] = [];
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: quietLogger(), metrics: metrics(), writeEmf: (line) => lines.push(line) });

    await invokeStreaming(handler, proxyEvent({ resource: '/chat/completions' }));

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ Requests: 1, Attempts: 2, Fallbacks: 1, CostNanoUsd: 42, FlagshipCostNanoUsd: 20, ProviderLatency: 3, GatewayOverhead: expect.any(Number) });
  });

  it('publishes nothing, and warns of nothing, when a request served at the same time already published the metrics', async () => {
    const { gateway } = streamingGateway({ count: 2 });
    const recorder = metrics();
    const published = jest.spyOn(recorder, 'publishStoredMetrics');
    // Another request's publish emptied the shared store between this one's metrics and its own publish.
    jest.spyOn(recorder, 'hasStoredMetrics').mockReturnValue(false);
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: quietLogger(), metrics: recorder });

    const { lines } = await printedLogs(() => invokeStreaming(handler, proxyEvent({ resource: '/chat/completions' })));

    expect(published).not.toHaveBeenCalled();
    expect(lines.filter((line) => String(line['message']).startsWith('No application metrics'))).toEqual([]);
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
    const failed = await invokeStreaming(handler, proxyEvent({ resource: '/models', method: 'GET' }));
    expect(failed.statusCode).toBe(500);
    const { error } = JSON.parse(failed.body);
    expect(error.type).toBe('api_error');
    expect(error.message).toMatch(/c6af9ac6-7b61-11e6-9a41-93e8deadbeef/);
    expect(failed.body).not.toMatch(/LEDGER_TABLE_NAME/);
    expect(failed.headers['content-type']).toBe('application/json');
    const recovered = await invokeStreaming(handler, proxyEvent({ resource: '/models', method: 'GET' }));
    expect(recovered.statusCode).toBe(200);
    expect(starts).toBe(2);
  });

  it('answers a start failure on /messages in Anthropic\'s envelope, as the gateway answers its other errors there', async () => {
    const handler = createRouterHandler({
      start: async () => {
        throw new ConfigError('Invalid router environment: LEDGER_TABLE_NAME missing');
      },
      logger: quietLogger(),
      metrics: metrics(),
    });
    const failed = await invokeStreaming(handler, proxyEvent({ resource: '/messages' }));
    expect(failed.statusCode).toBe(500);
    const body = JSON.parse(failed.body);
    expect(body).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringMatching(/c6af9ac6-7b61-11e6-9a41-93e8deadbeef/) } });
    expect(failed.body).not.toMatch(/LEDGER_TABLE_NAME/);
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
      return invokeStreaming(handler, event, { ...lambdaContext(), awsRequestId: `lambda-${id}` });
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

    const { lines } = await printedLogs(() => invokeStreaming(handler, proxyEvent({ resource: '/models', method: 'GET' })));

    expect(lines.find((line) => line['message'] === 'request served')).toMatchObject({ costNanoUsd: '5', tier: '1', attempts: 1, failures: [] });
  });
});

describe('requestLine', () => {
  it('puts the totals, cost by tier and by model, and traffic by route in one EMF document beside the summary', () => {
    const document = requestLine({ ...SUMMARY, route: 'triage', attempts: 2, status: 502, costNanoUsd: 42n }, 10, 1_000);
    expect(document).toEqual({
      _aws: {
        Timestamp: 1_000,
        CloudWatchMetrics: [
          {
            Namespace: 'Switchyard',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'ServerErrors', Unit: 'Count' },
              { Name: 'Attempts', Unit: 'Count' },
              { Name: 'Fallbacks', Unit: 'Count' },
              { Name: 'FlagshipCostNanoUsd', Unit: 'Count' },
              { Name: 'ProviderLatency', Unit: 'Milliseconds' },
              { Name: 'GatewayOverhead', Unit: 'Milliseconds' },
            ],
          },
          { Namespace: 'Switchyard', Dimensions: [['service'], ['service', 'Tier'], ['service', 'Model']], Metrics: [{ Name: 'CostNanoUsd', Unit: 'Count' }] },
          {
            Namespace: 'Switchyard',
            Dimensions: [['service', 'Route']],
            Metrics: [{ Name: 'RouteRequests', Unit: 'Count' }, { Name: 'RouteFallbacks', Unit: 'Count' }, { Name: 'RouteServerErrors', Unit: 'Count' }],
          },
        ],
      },
      service: 'router',
      endpoint: 'chat',
      status: 502,
      simulated: false,
      failures: [],
      Requests: 1,
      ServerErrors: 1,
      Attempts: 2,
      Fallbacks: 1,
      FlagshipCostNanoUsd: 20,
      ProviderLatency: 3,
      GatewayOverhead: 7,
      Tier: '1',
      Model: 'm',
      CostNanoUsd: 42,
      Route: 'triage',
      RouteRequests: 1,
      RouteFallbacks: 1,
      RouteServerErrors: 1,
    });
  });

  it('counts a request that reached no model as a request, and a caller error as one', () => {
    const document = requestLine({ ...SUMMARY, status: 400, attempts: 0, tier: null, model: null }, 10, 1_000);
    expect((document['_aws'] as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics).toEqual([
      { Namespace: 'Switchyard', Dimensions: [['service']], Metrics: [{ Name: 'Requests', Unit: 'Count' }, { Name: 'CallerErrors', Unit: 'Count' }] },
    ]);
    expect(document).not.toHaveProperty('CostNanoUsd');
  });

  it('is the one line the handler writes for a request: no separate summary line, with its invocation\'s keys', async () => {
    const { gateway } = recordingGateway();
    const lines: string[] = [];
    const handler = createRouterHandler({ start: async () => ({ gateway, requestTimeoutMs: 29_000 }), logger: new Logger(), metrics: metrics(), writeEmf: (line) => lines.push(line) });
    const printed = await printedLogs(() => invokeStreaming(handler, proxyEvent({ resource: '/models' })));
    expect(printed.lines.filter((line) => line['message'] === 'request served')).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      message: 'request served',
      level: 'INFO',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      function_request_id: expect.any(String),
      cold_start: true,
      Tier: '1',
      CostNanoUsd: 5,
    });
  });
});
