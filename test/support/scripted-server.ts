/**
 * A local HTTP server on 127.0.0.1 that answers with scripted responses and
 * records what it was sent: the far side of a provider's wire format.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Wait this long before answering. */
  readonly delayMs?: number;
  /** Drop the connection instead of answering. */
  readonly hangUp?: boolean;
  /** Send these raw pieces as the body, one write each (a streamed answer); `body` is then ignored. */
  readonly chunks?: readonly Buffer[];
  /** With `chunks`: wait this long before each piece after the first. */
  readonly chunkDelayMs?: number;
  /** With `chunks`: drop the connection after sending this many, mid-answer. */
  readonly cutAfterChunks?: number;
  /** With `chunks`: told how the answer ended, `clientClosed` when the client hung up before the last piece. */
  readonly onChunksDone?: (outcome: { readonly chunksSent: number; readonly clientClosed: boolean }) => void;
}

export type Script = (request: CapturedRequest) => ScriptedResponse;

export interface ScriptedServer {
  readonly url: string;
  readonly requests: CapturedRequest[];
  /** Replaces the script for the requests that follow. */
  respond(script: Script): void;
  close(): Promise<void>;
}

export async function startScriptedServer(initial: Script = () => ({ status: 404, body: {} })): Promise<ScriptedServer> {
  let script = initial;
  const requests: CapturedRequest[] = [];
  // Delayed answers still pending: cleared on close, so a test never waits out a long delay.
  const pending = new Set<NodeJS.Timeout>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const captured = {
        method: request.method ?? 'GET',
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(captured);
      const scripted = script(captured);
      const answer = () => {
        if (scripted.hangUp) {
          request.socket.destroy();
          return;
        }
        if (scripted.chunks) return sendChunks(scripted, scripted.chunks);
        const body = typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body ?? {});
        response.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers });
        response.end(body);
      };
      const sendChunks = (scripted: ScriptedResponse, chunks: readonly Buffer[]) => {
        response.writeHead(scripted.status ?? 200, { 'content-type': 'application/json', ...scripted.headers });
        let sent = 0;
        let done = false;
        let timer: NodeJS.Timeout | undefined;
        const finish = (clientClosed: boolean) => {
          if (done) return;
          done = true;
          if (timer) {
            clearTimeout(timer);
            pending.delete(timer);
          }
          scripted.onChunksDone?.({ chunksSent: sent, clientClosed });
        };
        response.once('close', () => finish(true));
        const next = () => {
          if (timer) pending.delete(timer);
          timer = undefined;
          if (sent === scripted.cutAfterChunks) {
            finish(false);
            request.socket.destroy();
          } else if (sent === chunks.length) {
            finish(false);
            response.end();
          } else {
            response.write(chunks[sent]);
            sent += 1;
            timer = setTimeout(next, sent === chunks.length ? 0 : (scripted.chunkDelayMs ?? 0));
            pending.add(timer);
          }
        };
        next();
      };
      if (!scripted.delayMs) return answer();
      const timer = setTimeout(() => {
        pending.delete(timer);
        answer();
      }, scripted.delayMs);
      pending.add(timer);
      // The client gave up (a timeout): nothing is left to answer.
      response.once('close', () => {
        clearTimeout(timer);
        pending.delete(timer);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    respond: (next) => {
      script = next;
    },
    close: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
