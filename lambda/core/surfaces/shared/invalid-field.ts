/** The 400 for a field a schema refused: it names the field and says, in plain words, what is wrong. */
import type { $ZodIssue } from 'zod/v4/core';
import { CallerError } from '../../base/errors';
import { formatPath } from '../../base/format-path';

/** The 400 for the first problem a schema found in `input`, naming the field. */
export function invalidField(issue: $ZodIssue, input: unknown): CallerError {
  // A key of the caller's own (metadata) can be as long as the body: quote only its start.
  const param = clip(formatPath(issue.path), MAX_PARAM_LENGTH);
  return new CallerError('invalid_request', `"${param}" ${describeIssue(issue, valueAt(input, issue.path))}.`, param);
}

function describeIssue(issue: $ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `is required (expected ${issue.expected})` : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string' ? issue.message : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `may have at most ${issue.maximum} entries`;
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters long` : `must be at most ${issue.maximum}`;
    case 'invalid_union': {
      // The branch of the value's own type says what is wrong with it: a 5-entry stop list is "too many", not "invalid".
      const branch = issue.errors.find((issues) => issues[0] !== undefined && issues[0].code !== 'invalid_type')?.[0];
      if (!branch) return 'has the wrong type';
      const inner = formatPath(branch.path);
      return `${inner ? `${inner.startsWith('[') ? inner : `.${inner}`} ` : ''}${describeIssue(branch, valueAt(value, branch.path))}`;
    }
    case 'invalid_key':
      return `is a key that ${issue.issues[0] ? describeIssue(issue.issues[0], undefined) : 'is not allowed'}`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

const MAX_PARAM_LENGTH = 100;

export function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

