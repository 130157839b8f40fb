/**
 * A value that satisfies a JSON schema, for the mock provider: structured
 * output and tool arguments a caller's own validator (the Anthropic SDK's
 * `output_config.format`, the openai SDK's `parse`) accepts. It covers the
 * subset structured-output APIs allow: objects, arrays, scalars, `enum`,
 * `const`, `anyOf`/`oneOf`/`allOf`, local `$ref`s and numeric and length bounds.
 */

type Schema = Readonly<Record<string, unknown>>;

/** Deeper than any schema a model is given. */
const MAX_DEPTH = 32;
/** Values made for one example at most: the schema is the caller's, and must not make the mock work without end. */
const MAX_NODES = 10_000;
/** The longest array and string an example has, whatever `minItems` or `minLength` ask. */
const MAX_LENGTH = 64;

/**
 * A value of `schema`'s shape; strings say they are simulated, so no one
 * mistakes them for a model's words. A `$ref` already being expanded (a
 * recursive schema), too deep a nesting or too many values give `null` there.
 * `root` is what local `$ref`s point into, when `schema` is a part of it.
 */
export function exampleOf(schema: unknown, root: unknown = schema): unknown {
  return valueOf(schema, { root, nodes: 0, expanding: new Set() }, 0);
}

interface Walk {
  readonly root: unknown;
  nodes: number;
  readonly expanding: Set<string>;
}

function valueOf(schema: unknown, walk: Walk, depth: number): unknown {
  walk.nodes += 1;
  if (!isSchema(schema) || depth > MAX_DEPTH || walk.nodes > MAX_NODES) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref;
    if (walk.expanding.has(ref)) return null;
    walk.expanding.add(ref);
    const value = valueOf(resolveRef(ref, walk.root), walk, depth + 1);
    walk.expanding.delete(ref);
    return value;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return valueOf(options.find((option) => !isNullSchema(option)) ?? options[0], walk, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part) => valueOf(part, walk, depth + 1)).filter((part) => typeof part === 'object' && part !== null));
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((entry) => entry !== 'null') ?? 'null') : schema.type;
  switch (type ?? (isSchema(schema.properties) ? 'object' : undefined)) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valueOf(property, walk, depth + 1)]));
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.min(Math.max(schema.minItems, 0), MAX_LENGTH) : 1;
      return Array.from({ length: count }, () => valueOf(schema.items, walk, depth + 1));
    }
    case 'string':
      return stringOf(schema);
    case 'integer':
      return Math.ceil(numberOf(schema));
    case 'number':
      return numberOf(schema);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return 'simulated';
  }
}

function stringOf(schema: Schema): string {
  const formats: Readonly<Record<string, string>> = { 'date-time': '2026-01-01T00:00:00Z', date: '2026-01-01', time: '00:00:00Z', email: 'simulated@example.com', uri: 'https://example.com/', uuid: '00000000-0000-4000-8000-000000000000' };
  const text = formats[String(schema.format)] ?? 'simulated';
  const min = typeof schema.minLength === 'number' ? Math.min(Math.max(schema.minLength, 0), MAX_LENGTH) : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  return text.padEnd(min, '.').slice(0, max);
}

function numberOf(schema: Schema): number {
  for (const key of ['minimum', 'exclusiveMinimum'] as const) {
    if (typeof schema[key] === 'number') return (schema[key] as number) + (key === 'exclusiveMinimum' ? 1 : 0);
  }
  return typeof schema.maximum === 'number' && schema.maximum < 0 ? schema.maximum : 0;
}

/** `#/$defs/name` or `#/definitions/name`, within the schema itself. */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return undefined;
  return ref
    .slice(1)
    .split('/')
    .filter(Boolean)
    .reduce<unknown>((node, key) => (isSchema(node) ? node[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined), root);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullSchema(value: unknown): boolean {
  return isSchema(value) && value.type === 'null';
}
