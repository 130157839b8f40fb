/**
 * `npx switchyard keys <create|list|show|update|rotate|revoke>`: managed keys
 * in a deployed stack's table (found from the stack's outputs) or, with
 * `--local`, in the embedded table of `npm start`.
 */
import { parseArgs } from 'node:util';
import type { KeyStore } from '../../lambda/adapters/dynamodb/dynamodb-key-store';
import { ConfigError } from '../../lambda/core/base/errors';
import { keyLimitsSchema, type KeyLimits, type KeyRecord } from '../../lambda/core/features/managed-keys';
import type { Policy } from '../../lambda/policy/policy';

export interface KeysCommandContext {
  readonly store: KeyStore;
  /** The policy the gateway runs with: models a key names must be in it. */
  readonly policy: Policy;
  /** Where the keys live, for the first line printed. */
  readonly where: string;
  readonly print: (line: string) => void;
  readonly now?: () => number;
}

/** Flags every `keys` command takes; where the table is, read by the caller before {@link runKeysCommand}. */
export const KEYS_LOCATION_OPTIONS = {
  local: { type: 'boolean' },
  stack: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  policy: { type: 'string' },
} as const;

const LIMIT_OPTIONS = {
  name: { type: 'string' },
  'max-tier': { type: 'string' },
  models: { type: 'string' },
  'daily-budget-usd': { type: 'string' },
  'budget-mode': { type: 'string' },
  expires: { type: 'string' },
  grace: { type: 'string' },
  admin: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export const KEYS_USAGE = `Usage: npx switchyard keys <command> [options]
  create --name NAME [--max-tier 0-3] [--models ID,ID] [--daily-budget-usd N [--budget-mode block|downgrade|alert]] [--expires 30d|12h|YYYY-MM-DD] [--admin]
  list
  show <id or name>
  update <id or name> [--max-tier N|none] [--models IDS|none] [--daily-budget-usd N|none] [--budget-mode M] [--expires D|never] [--admin|--no-admin]
  rotate <id or name> [--grace 1h]     a new secret; the old one works for the grace period (default 1h)
  revoke <id or name>
Where: --local (the npm start gateway), or --stack NAME (default Switchyard) / --table NAME, with --region and --profile.
Add --json for machine output.`;

export async function runKeysCommand(args: readonly string[], context: KeysCommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { ...KEYS_LOCATION_OPTIONS, ...LIMIT_OPTIONS },
    allowPositionals: true,
    allowNegative: true,
    strict: true,
  });
  const [command, target] = positionals;
  const { store, print } = context;
  const now = context.now ?? Date.now;
  const emit = (record: KeyRecord, extra: Record<string, string> = {}) =>
    values.json ? print(JSON.stringify({ ...extra, ...describeKey(record, now()) })) : print([...Object.entries(extra).map(([name, value]) => `${name}: ${value}`), ...renderKey(record, now())].join('\n'));
  const found = async (): Promise<KeyRecord> => {
    if (target === undefined) throw new ConfigError(`"keys ${command}" needs a key id or name.\n${KEYS_USAGE}`);
    const record = await store.find(target);
    if (record === undefined) throw new ConfigError(`No key has the id or live name "${target}" (${context.where}). See: npx switchyard keys list`);
    return record;
  };

  switch (command) {
    case 'create': {
      if (values.name === undefined) throw new ConfigError(`"keys create" needs --name.\n${KEYS_USAGE}`);
      const limits = limitsFrom(values, {}, context.policy);
      const expiresAt = values.expires === undefined ? undefined : expiryFrom(values.expires, now());
      const { key, record } = await store.create({ name: values.name, limits, expiresAt: expiresAt ?? undefined });
      if (values.json) return print(JSON.stringify({ key, ...describeKey(record, now()) }));
      return print([`Created in ${context.where}. The key is shown once; store it now:`, '', `  ${key}`, '', ...renderKey(record, now())].join('\n'));
    }
    case 'list': {
      const records = await store.list();
      if (values.json) return print(JSON.stringify(records.map((record) => describeKey(record, now()))));
      if (records.length === 0) return print(`No keys yet (${context.where}). Create one: npx switchyard keys create --name team-a`);
      print(['ID               NAME                 STATUS    MAX TIER  BUDGET/DAY        EXPIRES'].join(''));
      for (const record of records) {
        const described = describeKey(record, now());
        print(
          [
            record.id.padEnd(17),
            record.name.padEnd(21),
            described.status.padEnd(10),
            String(record.limits.maxTier ?? '-').padEnd(10),
            (record.limits.dailyBudget ? `$${record.limits.dailyBudget.usd} ${record.limits.dailyBudget.mode}` : '-').padEnd(18),
            described.expires ?? 'never',
          ].join(''),
        );
      }
      return;
    }
    case 'show':
      return emit(await found());
    case 'update': {
      const record = await found();
      if (!(['max-tier', 'models', 'daily-budget-usd', 'budget-mode', 'expires', 'admin'] as const).some((flag) => values[flag] !== undefined)) {
        throw new ConfigError(`Nothing to change: give --max-tier, --models, --daily-budget-usd, --budget-mode, --expires or --[no-]admin.\n${KEYS_USAGE}`);
      }
      const expiresAt = values.expires === undefined ? undefined : expiryFrom(values.expires, now());
      const limits = limitsFrom(values, record.limits, context.policy);
      const updated = await store.update(record.id, { limits, ...(expiresAt !== undefined ? { expiresAt } : {}) });
      return emit(updated, values.json ? {} : { updated: `${context.where}; the gateway applies it within a minute` });
    }
    case 'rotate': {
      const record = await found();
      const graceMs = durationMs(values.grace ?? '1h', '--grace');
      const { key, record: rotated } = await store.rotate(record.id, graceMs);
      if (values.json) return print(JSON.stringify({ key, ...describeKey(rotated, now()) }));
      return print(
        // The old key's end as the store wrote it: the same instant `keys show` prints.
        [`Rotated. The new key is shown once; store it now:`, '', `  ${key}`, '', `The old key works until ${new Date(rotated.previous?.validUntil ?? now() + graceMs).toISOString()}.`, ...renderKey(rotated, now())].join('\n'),
      );
    }
    case 'revoke': {
      const revoked = await store.revoke((await found()).id);
      return emit(revoked, values.json ? {} : { revoked: 'the gateway refuses it within a minute' });
    }
    default:
      throw new ConfigError(command === undefined ? KEYS_USAGE : `Unknown keys command "${command}".\n${KEYS_USAGE}`);
  }
}

type LimitFlags = { readonly [K in 'max-tier' | 'models' | 'daily-budget-usd' | 'budget-mode']?: string | undefined } & { readonly admin?: boolean | undefined };

/** The limits the flags ask for, on top of `current`; `none` removes one. Every model must be in the policy. */
function limitsFrom(flags: LimitFlags, current: KeyLimits, policy: Policy): KeyLimits {
  const limits: { -readonly [K in keyof KeyLimits]: KeyLimits[K] } = { ...current };
  const tier = flags['max-tier'];
  if (tier !== undefined) limits.maxTier = tier === 'none' ? undefined : (Number(tier) as KeyLimits['maxTier']);
  const models = flags.models;
  if (models !== undefined) {
    limits.models = models === 'none' ? undefined : models.split(',').map((model) => model.trim()).filter(Boolean);
    const unknown = (limits.models ?? []).filter((model) => !policy.models.has(model));
    if (unknown.length > 0) {
      throw new ConfigError(`--models names ${unknown.join(', ')}, not in the policy. Models: ${[...policy.models.keys()].join(', ')}.`);
    }
  }
  const budget = flags['daily-budget-usd'];
  const mode = flags['budget-mode'];
  if (budget === 'none') limits.dailyBudget = undefined;
  else if (budget !== undefined || mode !== undefined) {
    const usd = budget ?? current.dailyBudget?.usd;
    if (usd === undefined) throw new ConfigError('--budget-mode needs a budget: add --daily-budget-usd.');
    limits.dailyBudget = { usd, mode: (mode ?? current.dailyBudget?.mode ?? 'block') as 'block' };
  }
  if (flags.admin !== undefined) limits.admin = flags.admin ? true : undefined;
  const parsed = keyLimitsSchema.safeParse(JSON.parse(JSON.stringify(limits)));
  if (!parsed.success) {
    const flag = (path: PropertyKey[]) =>
      ({ maxTier: '--max-tier (0, 1, 2 or 3)', models: '--models (comma-separated model ids)', dailyBudget: path[1] === 'mode' ? '--budget-mode (block, downgrade or alert)' : '--daily-budget-usd (a USD amount such as 50)' })[String(path[0])];
    throw new ConfigError(`Invalid key limits: ${parsed.error.issues.map((issue) => flag(issue.path) ?? issue.message).join('; ')}.`);
  }
  return parsed.data as KeyLimits;
}

const DURATION = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function durationMs(text: string, flag: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new ConfigError(`${flag} is "${text}"; write a duration such as 30m, 12h or 30d.`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** `30d`, `12h`, `90m` from now, a date or time (ISO 8601), or `never` (null). */
function expiryFrom(text: string, now: number): number | null {
  if (text === 'never') return null;
  if (DURATION.test(text)) return now + durationMs(text, '--expires');
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at)) {
    throw new ConfigError(`--expires is "${text}"; write a duration (30d, 12h, 90m), a date (2027-01-31) or never.`);
  }
  if (at <= now) throw new ConfigError(`--expires ${text} is in the past.`);
  return at;
}

function describeKey(record: KeyRecord, now: number) {
  const status =
    record.revokedAt !== undefined ? 'revoked' : record.expiresAt !== undefined && now >= record.expiresAt ? 'expired' : 'active';
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: record.id,
    name: record.name,
    caller_id: `key:${record.id}`,
    status,
    limits: record.limits,
    created: iso(record.createdAt)!,
    expires: iso(record.expiresAt),
    revoked: iso(record.revokedAt),
    rotated: iso(record.rotatedAt),
    previous_key_valid_until: record.previous && record.previous.validUntil > now ? iso(record.previous.validUntil) : undefined,
  };
}

function renderKey(record: KeyRecord, now: number): string[] {
  const described = describeKey(record, now);
  const { maxTier, models, dailyBudget } = record.limits;
  return [
    `id:        ${described.id}   (caller id in usage, budgets and the ledger: ${described.caller_id})`,
    `name:      ${described.name}`,
    `status:    ${described.status}`,
    `max tier:  ${maxTier ?? 'any'}`,
    `models:    ${models?.join(', ') ?? 'any'}`,
    `budget:    ${dailyBudget ? `$${dailyBudget.usd} a day (${dailyBudget.mode})` : 'none of its own'}`,
    ...(record.limits.admin ? ['admin:     yes (reads every caller\'s usage, may force a fallback)'] : []),
    `created:   ${described.created}`,
    `expires:   ${described.expires ?? 'never'}`,
    ...(described.rotated ? [`rotated:   ${described.rotated}`] : []),
    ...(described.previous_key_valid_until ? [`old key:   valid until ${described.previous_key_valid_until}`] : []),
    ...(described.revoked ? [`revoked:   ${described.revoked}`] : []),
  ];
}
