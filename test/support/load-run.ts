/**
 * A bounded load run on 127.0.0.1 through the local gateway, with one provider
 * call in ten failing. Every request must be answered (a completion or an
 * explicit error), and the ledger must hold exactly one row per provider call,
 * numbered without gaps or repeats. `npm test` runs a small one; `npm run
 * test:load` the full-size ones.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LocalGateway } from '../../lambda/local/local-gateway';
import { fixture } from './fixtures';
import type { ScriptedResponse } from './scripted-server';
import { startWireGateway, type WireGateway } from './wire-gateway';

const FAULTS: readonly ScriptedResponse[] = [
  { status: 429, body: fixture('openai/error-rate-limit.json') },
  { status: 503, body: fixture('openai/error-server.json') },
  { hangUp: true },
  { body: '{"choices": [' },
  { body: fixture('openai/content-filter.json') },
];

export interface LoadRun {
  readonly requests: number;
  readonly concurrency: number;
}

export function describeLoadRun({ requests: REQUESTS, concurrency: CONCURRENCY }: LoadRun): void {
  describe(`load: ${REQUESTS} requests at concurrency ${CONCURRENCY} with 10% provider faults`, () => {
    let wire: WireGateway;
    let gateway: LocalGateway;
    let calls = 0;

    beforeAll(async () => {
      wire = await startWireGateway(() => {
        calls += 1;
        return calls % 10 === 0 ? FAULTS[(calls / 10) % FAULTS.length]! : { body: fixture('openai/chat-completion.json') };
      });
      gateway = wire.gateway;
    });
    afterAll(() => wire.close());

    it('answers every request and records every provider call exactly once', async () => {
      const statuses = new Map<number, number>();
      let attemptsReported = 0;
      let unexplained = 0;
      let next = 0;
      const worker = async () => {
        while (next < REQUESTS) {
          next += 1;
          const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer caller-${next % 7}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: `Request ${next}: where did I fly?` }] }),
          });
          const body = (await response.json()) as { object?: string; error?: { message?: string } };
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          attemptsReported += Number(response.headers.get('x-switchyard-attempts') ?? 0);
          const explained = response.status === 200 ? body.object === 'chat.completion' : typeof body.error?.message === 'string';
          if (!explained || !response.headers.get('x-switchyard-request-id')) unexplained += 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
      expect(answered).toBe(REQUESTS);
      expect(unexplained).toBe(0);
      expect((statuses.get(200) ?? 0)).toBeGreaterThanOrEqual(REQUESTS * 0.99) /* `statuses: ${JSON.stringify([...statuses])}` */;

      const rows: Record<string, AttributeValue>[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        // A Scan is fine in a test; the product never scans.
        const page = await gateway.dynamo.client.send(new ScanCommand({ TableName: gateway.ledgerTableName, ExclusiveStartKey: startKey }));
        rows.push(...(page.Items ?? []).filter((item) => item['sk']!.S!.startsWith('ATTEMPT#')));
        startKey = page.LastEvaluatedKey;
      } while (startKey);

      expect(rows.length).toBe(calls) /* 'ledger rows == provider calls' */;
      expect(rows.length).toBe(attemptsReported) /* 'ledger rows == attempts reported to callers' */;
      const attemptsByRequest = new Map<string, number[]>();
      for (const row of rows) {
        const list = attemptsByRequest.get(row['requestId']!.S!) ?? [];
        list.push(Number(row['attempt']!.N));
        attemptsByRequest.set(row['requestId']!.S!, list);
      }
      expect(attemptsByRequest.size).toBe(REQUESTS);
      for (const attempts of attemptsByRequest.values()) {
        expect(attempts.sort((a, b) => a - b)).toEqual(attempts.map((_, index) => index + 1));
      }
    }, timeoutFor(REQUESTS));
  });
}

/** Room for a busy 2-core machine: about 20 ms a request, never under jest's usual 30 s. */
function timeoutFor(requests: number): number {
  return Math.max(30_000, requests * 50);
}
