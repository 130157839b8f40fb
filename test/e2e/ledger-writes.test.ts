/**
 * What the request path costs in DynamoDB, seen from the wire: the gateway's
 * clients are counted while the real openai client asks a model served by a
 * local OpenAI-format host. In the default `alert` budget mode the router
 * makes no DynamoDB call before the provider answers (circuit states are
 * served from the instance's cache) and one after it: the attempt's record.
 * The day's aggregates follow off the path.
 */
import OpenAI from 'openai';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fixture } from '../support/fixtures';
import { startWireGateway, type WireGateway } from '../support/wire-gateway';
import { spentToday } from '../support/spent-today';

describe('DynamoDB calls on the request path, through the local gateway and the openai client', () => {
  let wire: WireGateway;
  const calls: string[] = [];
  let atProviderCall: string[][] = [];

  // While closed, circuit reads hang: a request that waited on one would never be answered.
  let openGate = () => undefined as void;
  let gate = Promise.resolve();
  const count = (client: DynamoDBClient) =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Item?: { pk?: { S?: string } }; Key?: { pk?: { S?: string } }; RequestItems?: Record<string, { Keys: { pk: { S: string } }[] }> };
        const pk = input.Item?.pk?.S ?? input.Key?.pk?.S ?? Object.values(input.RequestItems ?? {})[0]?.Keys[0]?.pk.S ?? '';
        calls.push(`${context.commandName} ${pk.replace(/#.*/, '#')}`);
        if (context.commandName === 'BatchGetItemCommand') await gate;
        return next(args);
      },
      { step: 'initialize', name: 'countForTest' },
    );

  beforeAll(async () => {
    // Aggregates only when a test flushes them, so their writes land where the tests look for them.
    wire = await startWireGateway(
      () => {
        atProviderCall.push([...calls]);
        return { body: JSON.stringify(fixture('openai/chat-completion.json')) };
      },
      {},
      {},
      { aggregateWindowMs: 600_000 },
    );
    count(wire.gateway.dynamo.client);
    count(wire.gateway.dynamo.counterClient);
  });
  afterAll(() => wire.close());

  it('reads nothing before the provider call and writes one record after it, once the instance is warm', async () => {
    const client = new OpenAI({ baseURL: wire.gateway.baseUrl, apiKey: 'writes-key', maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Say hello.' }] });
    await ask(); // the cold start reads the circuits once
    await wire.gateway.aggregates.flush();
    calls.length = 0;
    atProviderCall = [];

    for (let index = 0; index < 5; index += 1) await ask();

    // A circuit state past its second is refreshed behind the answer (the next test shows nothing waits for it): not counted here.
    const onPath = (seen: string[]) => seen.filter((call) => call !== 'BatchGetItemCommand CIRCUIT#');
    expect(atProviderCall.map((before, index) => onPath(before).length - index)).toEqual([0, 0, 0, 0, 0]);
    expect(onPath(calls)).toEqual(Array.from({ length: 5 }, () => 'PutItemCommand REQ#'));
  });

  it('does not wait for a circuit state past its second to be read again: it is refreshed behind the answer', async () => {
    const client = new OpenAI({ baseURL: wire.gateway.baseUrl, apiKey: 'writes-key', maxRetries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    gate = new Promise((resolve) => (openGate = resolve));
    calls.length = 0;

    try {
      const answer = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Say hello.' }] });

      expect(answer.choices[0]!.message.content).toBeTruthy();
      expect(calls).toEqual(['BatchGetItemCommand CIRCUIT#', 'PutItemCommand REQ#']);
    } finally {
      openGate();
    }
  });

  it('counts those requests into the day\'s aggregates off the path', async () => {
    calls.length = 0;
    expect(await spentToday(wire.gateway, 'writes-key')).toBeGreaterThan(0n);
    expect(calls.filter((call) => call.startsWith('PutItemCommand AGGMARK#'))).toHaveLength(1);
    expect(calls.filter((call) => call.startsWith('UpdateItemCommand AGG#')).length).toBeGreaterThan(0);
  });
});
