/** A request body as every surface reads it. */
import { isUtf8 } from 'node:buffer';
import type * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import type { Limits } from '../../../policy/policy';
import { invalidField } from './invalid-field';
import { formatPath } from '../../base/format-path';

/**
 * A request body as every surface reads it, and the one rule for parameters:
 * size and JSON first; then those in `refused` get a 400 that says what to do;
 * those in the schema are checked and carried; any other is accepted, not
 * sent, and returned in `dropped`, which the answer names in a header.
 */
export function readRequestBody<S extends z.ZodMiniObject>(
  body: string | undefined,
  limits: Limits,
  schema: S,
  options: { readonly expects: string; readonly refused?: Readonly<Record<string, string>> },
): { readonly data: z.output<S>; readonly dropped: string[] } {
  const input = parseJsonBody(body, limits, options.expects);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CallerError('invalid_request', `The request body must be a JSON object with ${options.expects}.`);
  }
  for (const [param, advice] of Object.entries(options.refused ?? {})) {
    const value = (input as Record<string, unknown>)[param];
    if (value !== undefined && value !== null && value !== false) {
      throw new CallerError('unsupported_parameter', `"${param}": ${advice}.`, param);
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidField(parsed.error.issues[0]!, input);
  const carried = new Set(Object.keys(schema.def.shape));
  return { data: parsed.data, dropped: Object.keys(input).filter((param) => !carried.has(param)).sort() };
}


/** A body's bytes as text, and whether they were UTF-8 (the count sent when not: the gateway refuses the body). */
export function decodeBody(bytes: Buffer): { readonly body: string; readonly bodyNotUtf8: number | undefined } {
  return { body: bytes.toString('utf8'), bodyNotUtf8: isUtf8(bytes) ? undefined : bytes.length };
}

/** Parses a JSON body, refusing oversize and malformed ones before anything else runs. */
function parseJsonBody(body: string | undefined, limits: Limits, expects: string): unknown {
  if (body === undefined || body.trim() === '') {
    throw new CallerError('invalid_json', `The request body is empty: send a JSON object with ${expects}.`);
  }
  const size = Buffer.byteLength(body, 'utf8');
  if (size > limits.maxBodyBytes) {
    throw new CallerError(
      'request_too_large',
      `The request body is ${size} bytes; the limit is ${limits.maxBodyBytes} bytes. Send fewer or shorter messages.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    throw new CallerError('invalid_json', `The request body is not valid JSON${detail}.`, null, { cause: error });
  }
  const deep = tooDeep(value);
  if (deep !== undefined) {
    const shown = formatPath(deep.slice(0, SHOWN_SEGMENTS));
    throw new CallerError('invalid_request', `"${shown}…" nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep; flatten it.`, formatPath(deep.slice(0, 1)));
  }
  return value;
}

/**
 * Deeper than this, a body is refused as it is read: schemas and content
 * nest a few levels, while every walk over a request (token estimates,
 * translations, logs) follows its nesting.
 */
export const MAX_JSON_DEPTH = 64;
const SHOWN_SEGMENTS = 6;

/** The path to the first value nested past {@link MAX_JSON_DEPTH} levels, or undefined; a loop, not a recursion, however deep the value. */
function tooDeep(root: unknown): PropertyKey[] | undefined {
  interface Node { readonly value: unknown; readonly key: PropertyKey | undefined; readonly parent: Node | undefined; readonly depth: number }
  const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;
  if (!isContainer(root)) return undefined;
  // Only objects and arrays are walked: a body's strings and numbers, most of its values, cost nothing here.
  const stack: Node[] = [{ value: root, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.depth === MAX_JSON_DEPTH) {
      const path: PropertyKey[] = [];
      for (let at: Node | undefined = node; at?.key !== undefined; at = at.parent) path.unshift(at.key);
      return path;
    }
    const entries: [PropertyKey, unknown][] = Array.isArray(node.value) ? [...node.value.entries()] : Object.entries(node.value as object);
    for (const [key, value] of entries) if (isContainer(value)) stack.push({ value, key, parent: node, depth: node.depth + 1 });
  }
  return undefined;
}
