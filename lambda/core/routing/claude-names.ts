/**
 * Claude model names as clients send them, mapped to the policy's model of
 * that name. Claude Code sends `claude-opus-5-5`, older clients
 * `claude-3-5-haiku-20241022`, users type `--model sonnet`; Bedrock's ids wrap
 * the same names in a region prefix and a version suffix
 * (`global.anthropic.claude-opus-5-5-v1:0`). One pattern reads them all, so a
 * version Anthropic adds tomorrow maps by the same rule.
 */
import { inferenceProfileOf } from '../../policy/model-ids';
import type { ModelSpec } from '../../policy/policy';

/** A Claude model name read into its parts. */
export interface ClaudeName {
  readonly family: string;
  /** Major and minor; a bare family (`opus`) has none. */
  readonly version: readonly number[];
  /** `YYYYMMDD`, when the name is a dated snapshot. */
  readonly date?: string | undefined;
}

/** `claude-opus-5-5`, `claude-sonnet-4-20250514`, `claude-opus-4-1-20250805`, with a `[1m]` or `-latest` suffix. */
const NEW_STYLE = /^claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?(?:-(\d{8}))?$/;
/** `claude-3-5-haiku-20241022`, `claude-3-7-sonnet-latest`, `claude-3-opus-20240229`. */
const OLD_STYLE = /^claude-(\d+)(?:-(\d{1,2}))?-([a-z]+)(?:-(\d{8}))?$/;
/** What Bedrock puts around a name once its inference profile is taken off: the vendor and the model version. */
const BEDROCK_WRAPPING = /^anthropic\.|-v\d+(?::\d+)?$/g;

/** Reads a Claude model name, or `undefined` for a name that is not one. */
export function parseClaudeName(name: string): ClaudeName | undefined {
  const bare = name.toLowerCase().replace(/\[1m\]$/, '').replace(/-latest$/, '');
  if (/^(?:opus|sonnet|haiku|fable)$/.test(bare)) return { family: bare, version: [] };
  const modern = NEW_STYLE.exec(bare);
  if (modern) return { family: modern[1]!, version: versionOf(modern[2]!, modern[3]), date: modern[4] };
  const old = OLD_STYLE.exec(bare);
  if (old) return { family: old[3]!, version: versionOf(old[1]!, old[2]), date: old[4] };
  return undefined;
}

/** The Claude name a policy model serves, read from its provider's model id. */
export function claudeNameOfModel(model: Pick<ModelSpec, 'providerModelId'>): ClaudeName | undefined {
  const id = inferenceProfileOf(model.providerModelId).model.replace(BEDROCK_WRAPPING, '');
  return id.startsWith('claude-') ? parseClaudeName(id) : undefined;
}

/**
 * The policy's chat model for a Claude name, by rule: the model of that family
 * and version (a dated name prefers its own snapshot); a version the policy does
 * not list, or a bare family name, gets the family's newest model. `undefined`
 * when the name is no Claude name or the policy has no model of its family.
 */
export function claudeModelFor(name: string, models: Iterable<ModelSpec>): ModelSpec | undefined {
  const wanted = parseClaudeName(name);
  if (!wanted) return undefined;
  const family = [...models].flatMap((model) => {
    const served = model.type === 'chat' ? claudeNameOfModel(model) : undefined;
    return served?.family === wanted.family ? [{ model, served }] : [];
  });
  if (family.length === 0) return undefined;
  const sameVersion = family.filter(({ served }) => compareVersions(served.version, wanted.version) === 0);
  if (wanted.version.length > 0 && sameVersion.length > 0) {
    return (sameVersion.find(({ served }) => wanted.date !== undefined && served.date === wanted.date) ?? sameVersion[0]!).model;
  }
  return family.reduce((newest, entry) => (compareVersions(entry.served.version, newest.served.version) > 0 ? entry : newest)).model;
}

/** A single digit after the major is a minor version (`4-5`); a date is not. */
function versionOf(major: string, minor: string | undefined): number[] {
  return minor === undefined ? [Number(major)] : [Number(major), Number(minor)];
}

function compareVersions(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
