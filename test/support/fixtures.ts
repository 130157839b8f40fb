import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A stored, trimmed provider response from test/fixtures. */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')) as T;
}

/** A stored SSE transcript from test/fixtures, as its events, each with its blank line. */
export function sseEvents(path: string): string[] {
  return readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')
    .split(/(?<=\n\n)/)
    .filter(Boolean);
}
