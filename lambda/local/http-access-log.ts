/**
 * The local server's access line: one per request, `METHOD PATH STATUS
 * tier=T model=M cost=$C Nms`, with no query, no prompt text and no key.
 */
import type { ServerResponse } from 'node:http';

export const MAX_LOGGED_PATH_LENGTH = 200;

/** The method and target of a raw request line, when it is one. */
export function requestLine(packet: Buffer | undefined): [string | undefined, string | undefined] {
  const line = packet?.subarray(0, 8192).toString('latin1').split('\r\n', 1)[0] ?? '';
  const match = /^([A-Z]{1,20}) (\S+) HTTP\/\d\.\d$/.exec(line);
  return match ? [match[1], match[2]] : [undefined, undefined];
}

export function accessLine(
  method: string | undefined,
  target: string | undefined,
  status: number | undefined,
  started: number,
  switchyard: { tier?: string; model?: string; cost?: string } = {},
): string {
  return [
    method && /^[A-Z]{1,20}$/.test(method) ? method : '-',
    loggablePath(target),
    status ?? '-',
    `tier=${switchyard.tier ?? '-'}`,
    `model=${switchyard.model ?? '-'}`,
    `cost=${switchyard.cost === '-' ? '-' : `$${switchyard.cost ?? '0'}`}`,
    `${Math.round(performance.now() - started)}ms`,
  ].join(' ');
}

/** The path part of a target, fit for a log line: no query (it may hold secrets), no control characters, cut short. */
export function loggablePath(target: string | undefined): string {
  if (target === undefined) return '-';
  const path = withoutControlCharacters(target.split('?', 1)[0]!).replace(/\s/g, '');
  if (path === '') return '-';
  return path.length > MAX_LOGGED_PATH_LENGTH ? `${path.slice(0, MAX_LOGGED_PATH_LENGTH)}...` : path;
}

export function withoutControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
}

export function header(response: ServerResponse, name: string): string | undefined {
  const value = response.getHeader(name);
  return typeof value === 'string' && value !== '' ? withoutControlCharacters(value).replace(/\s/g, '') : undefined;
}

