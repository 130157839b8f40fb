/**
 * Reads log files as a stream of requests, in constant memory: a file is
 * never held whole, only the line (or CSV row) being parsed. Gzip is told by
 * its magic bytes, the format by the first line (unless given).
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ConfigError } from '../../lambda/core/base/errors';
import { csvColumns, detectFormat, LOG_FORMATS, parseJsonRecord, UnreadableRecord, type AuditRequest, type LogFormat } from './log-records';

export interface ReadOptions {
  /** Skip detection. */
  readonly format?: LogFormat | undefined;
  /** Told the compressed bytes read so far, of all files together. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Told of each record that could not be read: the file, its line number, why. */
  readonly onUnreadable?: (file: string, line: number, reason: string) => void;
}

export async function* readRequests(files: readonly string[], options: ReadOptions = {}): AsyncGenerator<AuditRequest & { readonly format: LogFormat }> {
  const sizes = await Promise.all(files.map(async (file) => (await stat(file).catch(() => { throw new ConfigError(`Cannot read ${file}: no such file.`); })).size));
  const totalBytes = sizes.reduce((sum, size) => sum + size, 0);
  let before = 0;
  for (const [index, file] of files.entries()) {
    const gzip = await isGzip(file);
    // Listeners go on in one tick, before the stream's first read comes back, so no chunk passes unseen.
    const raw = createReadStream(file);
    let read = 0;
    raw.on('data', (chunk) => {
      read += chunk.length;
      options.onProgress?.(before + read, totalBytes);
    });
    // Text is decoded after the byte count, so progress is in bytes of the file, as its size is.
    const text = gzip ? raw.pipe(createGunzip()) : raw.pipe(new PassThrough());
    text.setEncoding('utf8');
    try {
      yield* requestsOf(file, text, options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) throw new ConfigError(`${file}: the gzip data is cut short or damaged (${(error as Error).message}); the records before it were read.`);
      throw error;
    } finally {
      raw.destroy();
    }
    before += sizes[index]!;
  }
}

async function* requestsOf(file: string, text: Readable, options: ReadOptions): AsyncGenerator<AuditRequest & { readonly format: LogFormat }> {
  const lines = createInterface({ input: text, crlfDelay: Infinity })[Symbol.asyncIterator]();
  let lineNumber = 0;
  const nextLine = async (): Promise<string | undefined> => {
    const next = await lines.next();
    if (next.done) return undefined;
    lineNumber += 1;
    return next.value;
  };
  // Whatever a record throws, it is that record's fault: reported by its line, and the run goes on.
  const unreadable = (line: number, error: unknown) => {
    const reason = error instanceof UnreadableRecord ? error.message : `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;
    options.onUnreadable?.(file, line, reason);
  };

  let first = await nextLine();
  while (first !== undefined && first.trim() === '') first = await nextLine();
  if (first === undefined) return;
  first = first.replace(/^\uFEFF/, '');
  const format = options.format ?? detectFormat(first);
  if (format === undefined) throw new ConfigError(`Cannot tell the format of ${file} from its first line; pass --format (${LOG_FORMATS.join(', ')}).`);

  if (format !== 'csv') {
    for (let line: string | undefined = first; line !== undefined; line = await nextLine()) {
      const request = parseOrReport(format, line, lineNumber, unreadable);
      if (request) yield { ...request, format };
    }
    return;
  }
  let toRequest: (row: readonly string[]) => AuditRequest;
  try {
    toRequest = csvColumns(csvRecord(first).cells);
  } catch (error) {
    if (error instanceof UnreadableRecord) throw new ConfigError(`${file}: ${error.message}.`);
    throw error;
  }
  for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
    if (line === '') continue;
    const start = lineNumber;
    // A quoted cell may hold line breaks: take lines until the record closes, but not without end (a stray quote).
    let record = csvRecord(line);
    let lines = 1;
    while (record.open && lines < MAX_RECORD_LINES && line.length < MAX_RECORD_CHARACTERS) {
      const more = await nextLine();
      if (more === undefined) break;
      line += `\n${more}`;
      lines += 1;
      record = csvRecord(line);
    }
    if (record.open) {
      unreadable(start, new UnreadableRecord(`a quote opened here is not closed within ${lines} lines; those lines are skipped`));
      continue;
    }
    try {
      yield { ...toRequest(record.cells), format };
    } catch (error) {
      unreadable(start, error);
    }
  }
}

/** How far a quoted CSV cell may run before the quote counts as a stray. */
const MAX_RECORD_LINES = 200;
const MAX_RECORD_CHARACTERS = 256 * 1024;

/** One RFC 4180 record: cells split on commas outside quotes, "" for a quote; `open` when it ends inside a quoted cell. */
export function csvRecord(text: string): { cells: string[]; open: boolean } {
  const cells: string[] = [];
  let position = 0;
  for (;;) {
    if (text[position] === '"') {
      let cell = '';
      let from = position + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return { cells: [...cells, cell + text.slice(from)], open: true };
        cell += text.slice(from, quote);
        if (text[quote + 1] === '"') {
          cell += '"';
          from = quote + 2;
          continue;
        }
        position = quote + 1;
        break;
      }
      const comma = text.indexOf(',', position);
      cells.push(cell + (comma < 0 ? text.slice(position) : text.slice(position, comma)));
      if (comma < 0) return { cells, open: false };
      position = comma + 1;
    } else {
      const comma = text.indexOf(',', position);
      if (comma < 0) return { cells: [...cells, text.slice(position)], open: false };
      cells.push(text.slice(position, comma));
      position = comma + 1;
    }
  }
}

function parseOrReport(format: Exclude<LogFormat, 'csv'>, line: string, lineNumber: number, unreadable: (line: number, error: unknown) => void): AuditRequest | undefined {
  if (line.trim() === '') return undefined;
  try {
    return parseJsonRecord(format, line);
  } catch (error) {
    unreadable(lineNumber, error);
    return undefined;
  }
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
