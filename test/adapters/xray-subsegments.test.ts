import { createSocket, type Socket } from 'node:dgram';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { parseTraceHeader, traceAwsClient, udpSink, xrayTracingFrom } from '../../lambda/adapters/xray-subsegments';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { createProviderRegistry } from '../../lambda/providers/registry';
import { defaultPolicy } from '../support/policies';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';
import { eventually } from '../support/eventually';

// The registry's Bedrock client signs with the usual chain, here pointed at the local wire server.
process.env['AWS_ACCESS_KEY_ID'] = 'local';
process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
process.env['AWS_REGION'] = 'us-east-1';

const TABLE = 'xray-test';
const TRACE = 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1';

describe('X-Ray subsegments for AWS SDK calls, sent to a local UDP daemon', () => {
  let daemon: Socket;
  let address: string;
  const received: { header: string; document: Record<string, unknown> }[] = [];
  let dynamo: EmbeddedDynamo;
  let bedrock: ScriptedServer;
  let header: string | undefined = TRACE;

  beforeAll(async () => {
    daemon = createSocket('udp4');
    daemon.on('message', (message) => {
      const [first, second] = message.toString('utf8').split('\n');
      received.push({ header: first!, document: JSON.parse(second!) });
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${daemon.address().port}`;
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
    bedrock = await startScriptedServer();
  });
  afterAll(async () => {
    daemon.close();
    await Promise.all([dynamo.close(), bedrock.close()]);
  });
  beforeEach(() => {
    received.length = 0;
    header = TRACE;
  });

  const traced = () =>
    traceAwsClient(new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint }), { sink: udpSink(address), traceHeader: () => header });
  const put = (client: DynamoDBClient, condition?: string) =>
    client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'x' }, sk: { S: 'y' } }, ConditionExpression: condition }));

  it('sends one subsegment per DynamoDB call under the invocation\'s segment: service, operation, status, request id, no body', async () => {
    await put(traced());
    await eventually(() => expect(received).toHaveLength(1));
    const [{ header: first, document }] = received as [(typeof received)[number]];
    expect(first).toBe('{"format":"json","version":1}');
    expect(document).toMatchObject({
      name: 'DynamoDB',
      trace_id: '1-67891233-abcdef012345678912345678',
      parent_id: '53995c3f42cd8ad8',
      type: 'subsegment',
      namespace: 'aws',
      aws: { operation: 'PutItem', region: 'us-east-1', retries: 0 },
      http: { response: { status: 200 } },
    });
    expect(document['id']).toMatch(/^[0-9a-f]{16}$/);
    expect(document['end_time']).toBeGreaterThanOrEqual(document['start_time'] as number);
    expect(JSON.stringify(document)).not.toContain(TABLE);
  });

  it('marks a caller-side failure as an error with its name only, and still throws it', async () => {
    await expect(put(traced(), 'attribute_not_exists(pk)')).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]!.document).toMatchObject({
      error: true,
      fault: false,
      throttle: false,
      http: { response: { status: 400 } },
      cause: { exceptions: [expect.objectContaining({ type: 'ConditionalCheckFailedException' })] },
    });
    expect(JSON.stringify(received[0]!.document)).not.toContain('conditional request failed');
  });

  it('sends nothing outside a sampled trace', async () => {
    const client = traced();
    header = undefined;
    await put(client);
    header = TRACE.replace('Sampled=1', 'Sampled=0');
    await put(client);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
  });

  it('traces Bedrock through the provider registry when the daemon is there, and wraps nothing when it is not', async () => {
    bedrock.respond(() => ({ status: 200, body: { output: { message: { role: 'assistant', content: [{ text: 'Rome' }] } }, stopReason: 'end_turn', usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } } }));
    const environment = { AWS_XRAY_DAEMON_ADDRESS: `tcp:${address} udp:${address}`, _X_AMZN_TRACE_ID: TRACE };
    const registry = createProviderRegistry(defaultPolicy().providers, {
      simulate: new Set(),
      apiKeys: {},
      bedrockEndpoint: bedrock.url,
      traceClient: xrayTracingFrom(environment),
    });
    const model = defaultPolicy().models.get('bedrock/amazon.nova-micro-v1:0')!;
    const adapter = registry.get('bedrock');
    await adapter.complete({ model, messages: [{ role: 'user', content: 'City?' }], maxTokens: 5, responseFormat: { type: 'text' }, tools: [], cachePrompt: false, betas: [], signal: AbortSignal.timeout(5000) } as never);
    await eventually(() => expect(received.map((entry) => [entry.document['name'], (entry.document['aws'] as { operation: string }).operation])).toEqual([['BedrockRuntime', 'Converse']]));

    const client = {} as DynamoDBClient;
    expect(xrayTracingFrom({})(client)).toBe(client);
  });

  it('reads only sampled, complete trace headers', () => {
    expect(parseTraceHeader('Root=1-a-b;Parent=c;Sampled=1;Lineage=x')).toEqual({ root: '1-a-b', parent: 'c' });
    expect(parseTraceHeader('Root=1-a-b;Sampled=1')).toBeUndefined();
    expect(parseTraceHeader('')).toBeUndefined();
  });
});
