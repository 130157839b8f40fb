/**
 * Responses tools as models here take them, by rule (Codex sends all four kinds):
 * - `function`: as declared;
 * - `namespace`: each tool inside becomes a function named `<namespace>__<name>`,
 *   and its calls go back with the namespace and the tool's own name;
 * - `custom` (freeform, optionally with a grammar): a function of one string
 *   parameter `input`, with the format in its description; its calls go back as
 *   `custom_tool_call` items whose input is that string;
 * - hosted tools (`web_search`, `local_shell`, `file_search`, ...): no model here
 *   runs them, so they are not sent and are named in `x-switchyard-dropped-tools`.
 */
import { CallerError } from '../../base/errors';
import type { ToolDefinition } from '../../model/tool';
import { toolNameSchema } from '../shared/request-checks';

/** The longest tool name models take (OpenAI's and Converse's rule). */
const MAX_NAME_LENGTH = 64;

export interface ReadTools {
  readonly tools: ToolDefinition[];
  /** Hosted tools' types, in the order offered. */
  readonly dropped: string[];
}

/** Reads `tools` (or an `additional_tools` item's tools) at `at`, e.g. `tools` or `input[0].tools`. */
export function readTools(entries: readonly unknown[], at: string): ReadTools {
  const read: ReadTools = { tools: [], dropped: [] };
  entries.forEach((entry, index) => readTool(entry, `${at}[${index}]`, undefined, read));
  return read;
}

function readTool(entry: unknown, at: string, namespace: string | undefined, read: ReadTools): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new CallerError('invalid_request', `"${at}" must be a tool object with a "type".`, at);
  }
  const tool = entry as Record<string, unknown>;
  const type = tool['type'];
  if (type === 'namespace' && namespace === undefined) {
    const name = nameOf(tool, at);
    if (!Array.isArray(tool['tools'])) throw new CallerError('invalid_request', `"${at}.tools" must be a list of the namespace's tools.`, `${at}.tools`);
    tool['tools'].forEach((inner, index) => readTool(inner, `${at}.tools[${index}]`, name, read));
  } else if (type === 'function') {
    read.tools.push(definition(tool, at, namespace, false));
  } else if (type === 'custom') {
    read.tools.push(definition(tool, at, namespace, true));
  } else if (typeof type === 'string' && type !== '' && type !== 'namespace') {
    read.dropped.push(type);
  } else {
    throw new CallerError('invalid_request', `"${at}.type" must be "function", "custom", "namespace" or a hosted tool's type.`, `${at}.type`);
  }
}

function definition(tool: Record<string, unknown>, at: string, namespace: string | undefined, freeform: boolean): ToolDefinition {
  const name = nameOf(tool, at);
  const description = typeof tool['description'] === 'string' && tool['description'] !== '' ? tool['description'] : undefined;
  const parameters = tool['parameters'];
  if (!freeform && parameters != null && (typeof parameters !== 'object' || Array.isArray(parameters))) {
    throw new CallerError('invalid_request', `"${at}.parameters" must be a JSON schema object.`, `${at}.parameters`);
  }
  const origin = namespace !== undefined || freeform ? { origin: { name, ...(namespace !== undefined ? { namespace } : {}), ...(freeform ? { freeform } : {}) } } : {};
  return {
    name: namespace === undefined ? name : flatName(namespace, name),
    description: freeform ? freeformDescription(description, tool['format']) : description,
    parameters: freeform ? FREEFORM_PARAMETERS : ((parameters ?? undefined) as Record<string, unknown> | undefined),
    strict: typeof tool['strict'] === 'boolean' ? tool['strict'] : undefined,
    ...origin,
  };
}

function nameOf(tool: Record<string, unknown>, at: string): string {
  const checked = toolNameSchema.safeParse(tool['name']);
  if (!checked.success) throw new CallerError('invalid_request', `"${at}.name" must be 1 to 64 letters, digits, "_" or "-".`, `${at}.name`);
  return checked.data;
}

/** `<namespace>__<name>`; one too long for models keeps its end and a hash of the whole, so it stays unique. */
export function flatName(namespace: string, name: string): string {
  const flat = `${namespace}__${name}`;
  if (flat.length <= MAX_NAME_LENGTH) return flat;
  const hash = fnv1a(flat).toString(36);
  return `${flat.slice(0, MAX_NAME_LENGTH - hash.length - 1)}_${hash}`;
}

const FREEFORM_PARAMETERS = {
  type: 'object',
  properties: { input: { type: 'string', description: "The tool's whole input, as raw text in the format the tool describes." } },
  required: ['input'],
  additionalProperties: false,
};

/** The tool's description, then the format its input must take (a grammar is given in full: the model must follow it). */
function freeformDescription(description: string | undefined, format: unknown): string {
  const { type, syntax, definition } = (typeof format === 'object' && format !== null ? format : {}) as Record<string, unknown>;
  const grammar = type === 'grammar' && typeof definition === 'string' ? `\n\nThe input must match this ${typeof syntax === 'string' ? syntax : ''} grammar:\n${definition}` : '';
  return `${description ?? 'A freeform tool.'}\n\nPut the tool's whole input, as raw text, in the "input" argument.${grammar}`;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
  return hash;
}
