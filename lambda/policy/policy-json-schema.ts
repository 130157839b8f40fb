/**
 * The JSON Schema of the routing policy, generated from the zod schema so the
 * two cannot disagree. Editors use it through the policy's `$schema` field;
 * cross-field rules (every chain model listed and priced) are checked only by
 * `loadPolicy`.
 */
import * as z from 'zod/mini';
import type { policySchema } from './schema';

export function policyJsonSchema(schema: typeof policySchema): Record<string, unknown> {
  return {
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
    title: 'Switchyard routing policy',
  };
}
