/** The shape an answer must take, as both OpenAI surfaces ask for it: chat's `response_format`, Responses' `text.format`. */
import * as z from 'zod/mini';
import type { ResponseFormat } from '../../model/chat-request';
import { toolNameSchema } from './request-checks';

/** A JSON-schema format's fields: nested under `json_schema` on chat completions, beside `type` on Responses. */
export const jsonSchemaFields = {
  name: toolNameSchema,
  description: z.optional(z.string()),
  schema: z.optional(z.record(z.string(), z.unknown())),
  strict: z.nullish(z.boolean()),
};

/** The formats that need no fields of their own. */
export const textFormat = z.looseObject({ type: z.literal('text') });
export const jsonObjectFormat = z.looseObject({ type: z.literal('json_object') });

type JsonSchemaFields = z.output<z.ZodMiniObject<typeof jsonSchemaFields>>;

/** A parsed format in the request model's terms; `text` when none was asked for. */
export function responseFormatOf(
  format: { readonly type: 'text' } | { readonly type: 'json_object' } | ({ readonly type: 'json_schema' } & JsonSchemaFields) | undefined,
): ResponseFormat {
  if (!format || format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, description, schema, strict } = format;
  return { type: 'json_schema', jsonSchema: { name, description, schema, strict: strict ?? undefined } };
}
