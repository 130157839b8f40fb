/** HTTP/1.1 by hand over node:net, for requests no HTTP client would send. */
import { connect } from 'node:net';

export interface RawResponse {
  /** Every status line received, in order (a `100 Continue` comes first). */
  readonly statuses: readonly number[];
  /** The final response's status, headers (lower-case names) and body. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Writes `request` as is (in latin1, so any byte can be sent), then `then`
 * after `afterMs`, and reads until the server closes the connection.
 * `Connection: close` in the request makes a server close after its answer.
 */
export function rawRequest(
  port: number,
  request: string,
  options: { readonly then?: string; readonly afterMs?: number; readonly timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      reject(new Error(`The server did not close within ${options.timeoutMs ?? 5000} ms; received ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
      socket.destroy();
    }, options.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks).toString('latin1')));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(Buffer.from(request, 'latin1'));
    if (options.then !== undefined) setTimeout(() => socket.write(Buffer.from(options.then!, 'latin1')), options.afterMs ?? 100);
  });
}

function parseResponses(text: string): RawResponse {
  const statuses: number[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`No complete HTTP response in ${JSON.stringify(text.slice(0, 200))}`);
    const [statusLine, ...headerLines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1]);
    statuses.push(status);
    rest = rest.slice(end + 4);
    if (status >= 200) {
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      const length = headers['content-length'];
      return { statuses, status, headers, body: length === undefined ? rest : rest.slice(0, Number(length)) };
    }
  }
}
