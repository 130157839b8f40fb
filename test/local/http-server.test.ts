import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLocalServer } from '../../lambda/local/http-server';
import type { RouterHandler } from '../../lambda/handlers/create-router-handler';

describe('createLocalServer', () => {
  let server: Server;
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function listen(handler: RouterHandler, recorded: { lines: string[]; errors: Record<string, unknown>[] }): Promise<string> {
    server = createLocalServer({
      handler,
      lambdaTimeoutMs: 5000,
      accessLog: (line) => recorded.lines.push(line),
      log: { info: () => undefined, error: (_message, fields) => recorded.errors.push(fields) },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers 500 in the OpenAI envelope with the request id, logs the failure and its access line, when the handler throws', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const base = await listen(async () => {
      throw new Error('the ledger table is gone');
    }, recorded);

    const response = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer k' } });
    const body = (await response.json()) as { error: { type: string; message: string } };

    const requestId = response.headers.get('x-switchyard-request-id')!;
    expect(response.status).toBe(500);
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toContain(requestId);
    expect(body.error.message).not.toMatch(/ledger/);
    expect(recorded.errors).toEqual([{ requestId, error: 'Error: the ledger table is gone' }]);
    expect(recorded.lines).toEqual([expect.stringMatching(/^GET \/v1\/models 500 tier=- model=- cost=\$0 \d+ms$/)]);
  });

  it('reads the tier, model and cost for the access line from the handler\'s headers', async () => {
    const recorded = { lines: [] as string[], errors: [] as Record<string, unknown>[] };
    const base = await listen(
      async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'x-switchyard-tier': '2', 'x-switchyard-model': 'mock/large', 'x-switchyard-cost-usd': '0.000001500' },
        body: '{}',
      }),
      recorded,
    );

    await (await fetch(`${base}/v1/chat/completions?debug=1`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' })).text();

    expect(recorded.lines).toEqual([expect.stringMatching(/^POST \/v1\/chat\/completions 200 tier=2 model=mock\/large cost=\$0\.000001500 \d+ms$/)]);
  });
});
