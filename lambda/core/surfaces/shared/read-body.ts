/** A request body as every surface reads it. */
import type * as z from 'zod/mini';
import '../../base/zod-english';
import { CallerError } from '../../base/errors';
import type { Limits } from '../../../policy/policy';
import { invalidField } from './invalid-field';

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
  try {
    return JSON.parse(body);
  } catch (error) {
    const detail = error instanceof SyntaxError ? ` (${error.message})` : '';
    throw new CallerError('invalid_json', `The request body is not valid JSON${detail}.`, null, { cause: error });
  }
}
