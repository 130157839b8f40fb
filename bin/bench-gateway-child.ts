/**
 * A process of its own for section (f) of `npm run bench`, so its CPU time is
 * its own: `proxy UPSTREAM` runs a bare Node proxy to the upstream (the
 * floor); `gateway UPSTREAM` runs the local gateway (`npm start`'s code, its
 * ledger on the embedded DynamoDB, or on the DynamoDB at the third argument)
 * with every tier on the upstream. It prints
 * its base URL as one JSON line, and answers each `cpu` message with its
 * `process.cpuUsage()`.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWireGateway } from './bench-first-chunk';

const [mode, upstream, dynamoEndpoint] = process.argv.slice(2) as ['proxy' | 'gateway', string, string | undefined];

async function startProxy(): Promise<string> {
  const target = new URL(upstream);
  const server = createServer((incoming, outgoing) => {
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startGateway(): Promise<string> {
  return (await startWireGateway(upstream, dynamoEndpoint)).baseUrl.replace(/\/v1$/, '');
}

async function main(): Promise<void> {
  const url = mode === 'proxy' ? await startProxy() : await startGateway();
  process.on('message', (message) => {
    if (message === 'cpu') process.send!(process.cpuUsage());
    if (message === 'exit') process.exit(0);
  });
  process.send!({ url });
}

void main();
