/**
 * The router as it deploys: bundled and minified with the deployment's
 * esbuild options (the SDK's ES module builds, tree-shaken), loaded by
 * `require` as Lambda loads it, and invoked through the streaming runtime. It
 * answers a chat request from a provider on the wire and writes the attempt
 * to a real DynamoDB table, so a bundling setting that breaks an SDK client
 * or the handler fails here, not on the first deploy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ENVIRONMENT } from '../../lambda/contract/deployment';
import type { RouterHandler } from '../../lambda/handlers/create-router-handler';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { invokeStreaming, proxyEvent, useLambdaStreamingRuntime } from '../../lambda/local/lambda-runtime';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { LAMBDA_ENTRIES } from '../../lib/bundling';
import { bundleAsDeployed, useDeployedEnvironment } from '../support/deployed-bundle';
import { fixture } from '../support/fixtures';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

const TABLE = 'minified-router-ledger';

describe('the minified router bundle, as Lambda loads it', () => {
  let provider: ScriptedServer;
  let dynamo: EmbeddedDynamo;
  let bundleDir: string;
  let restoreRuntime: () => void;
  let restoreEnvironment: () => void;

  beforeAll(async () => {
    provider = await startScriptedServer(() => ({ status: 200, body: fixture('openai/chat-completion.json') }));
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
    const document: PolicyDocument = {
      version: 1,
      providers: { wire: { kind: 'openai-compatible', baseUrl: `${provider.url}/v1` } },
      models: { 'wire/only': { contextWindow: 8000, maxOutputTokens: 100, price: { input: '1', output: '2', source: 't', asOf: '2026-01-01' } } },
      tiers: { '0': ['wire/only'], '1': ['wire/only'], '2': ['wire/only'], '3': ['wire/only'] },
      flagship: 'wire/only',
    };
    bundleDir = await bundleAsDeployed(LAMBDA_ENTRIES.router, document);
    restoreEnvironment = useDeployedEnvironment(TABLE, dynamo.endpoint, {
      [ENVIRONMENT.fallbackStateMachineArn]: 'arn:aws:states:us-east-1:123456789012:stateMachine:never-called',
    });
    restoreRuntime = useLambdaStreamingRuntime();
  });
  afterAll(async () => {
    restoreRuntime();
    restoreEnvironment();
    await dynamo.close();
    await provider.close();
  });

  it('takes the SDK from its ES module builds: only the commands the router sends are in the bundle', () => {
    const code = readFileSync(join(bundleDir, 'index.js'), 'utf8');
    expect(code).toContain('StartSyncExecution');
    // Commands of the same clients that no function sends, which the CommonJS builds would carry.
    expect(code).not.toContain('DescribeStateMachineForExecution');
    expect(code).not.toContain('RestoreTableToPointInTime');
  });

  it('answers a chat request from the provider and writes its attempt to the ledger', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require(join(bundleDir, 'index.js')) as { handler: RouterHandler };
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Say hello.' }] });

    const answer = await invokeStreaming(handler, proxyEvent({ resource: '/chat/completions', body, principalId: 'key:minified' }));

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] });
    expect(provider.requests).toHaveLength(1);
    const requestId = answer.headers['x-switchyard-request-id'];
    expect(requestId).toEqual(expect.any(String));
    const rows = await dynamo.client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)',
        ExpressionAttributeValues: { ':pk': { S: `REQ#${requestId}` }, ':attempt': { S: 'ATTEMPT#' } },
      }),
    );
    expect(rows.Items).toHaveLength(1);
    expect(rows.Items![0]).toMatchObject({ model: { S: 'wire/only' }, outcome: { S: 'success' } });
  });
});
