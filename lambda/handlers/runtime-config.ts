/**
 * The router's environment, read once and validated at cold start. The CDK
 * construct is the only writer of these variables.
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../core/base/zod-english';
import { ConfigError } from '../core/base/errors';
import type { Policy } from '../policy/policy';
import { readPolicyFile } from '../policy/policy-file';
import { BUNDLED_POLICY_FILE, DEFAULT_LEDGER_RETENTION_DAYS, DEFAULT_REQUEST_TIMEOUT_MS, ENVIRONMENT } from '../contract/deployment';

const ledgerSchema = z.object({
  [ENVIRONMENT.ledgerTableName]: z.string().check(z.minLength(1)),
  [ENVIRONMENT.ledgerRetentionDays]: z._default(z.coerce.number().check(z.int(), z.positive()), DEFAULT_LEDGER_RETENTION_DAYS),
});

const environmentSchema = z.extend(ledgerSchema, {
  [ENVIRONMENT.providerSecretArns]: z._default(
    z.pipe(
      z.string().check(z.minLength(2)),
      z.transform((text, context) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          context.issues.push({ code: 'custom', message: 'must be a JSON object', input: text });
          return z.NEVER;
        }
      }),
    ).check(z.refine((value) => typeof value === 'object' && value !== null, 'must be a JSON object')),
    {},
  ),
  [ENVIRONMENT.fallbackStateMachineArn]: z.optional(z.string().check(z.startsWith('arn:'))),
  [ENVIRONMENT.shadowStateMachineArn]: z.optional(z.string().check(z.startsWith('arn:'))),
  [ENVIRONMENT.policyFile]: z._default(z.string().check(z.minLength(1)), join(__dirname, BUNDLED_POLICY_FILE)),
  [ENVIRONMENT.requestTimeoutMs]: z._default(z.coerce.number().check(z.int(), z.gte(1000), z.lte(900_000)), DEFAULT_REQUEST_TIMEOUT_MS),
});

export interface RuntimeConfig {
  readonly ledgerTableName: string;
  readonly ledgerRetentionDays: number;
  /** Secret ARNs by key name (the policy's `apiKeyName`). */
  readonly providerSecretArns: Readonly<Record<string, string>>;
  /** Set for the router, which starts the fallback workflow; not for the attempt function. */
  readonly fallbackStateMachineArn: string | undefined;
  readonly shadowStateMachineArn: string | undefined;
  readonly requestTimeoutMs: number;
  readonly policy: Policy;
}

export function readRuntimeConfig(environment: NodeJS.ProcessEnv): RuntimeConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(`Invalid router environment:\n${z.prettifyError(parsed.error)}`);
  }
  const env = parsed.data;
  return {
    ledgerTableName: env[ENVIRONMENT.ledgerTableName],
    ledgerRetentionDays: env[ENVIRONMENT.ledgerRetentionDays],
    providerSecretArns: secretArnsOf(env[ENVIRONMENT.providerSecretArns]),
    fallbackStateMachineArn: env[ENVIRONMENT.fallbackStateMachineArn],
    shadowStateMachineArn: env[ENVIRONMENT.shadowStateMachineArn],
    requestTimeoutMs: env[ENVIRONMENT.requestTimeoutMs],
    policy: readPolicyFile(env[ENVIRONMENT.policyFile]),
  };
}

/** Only the ledger's table and retention: the environment of the aggregator, which needs no policy. */
export function readLedgerConfig(environment: NodeJS.ProcessEnv): Pick<RuntimeConfig, 'ledgerTableName' | 'ledgerRetentionDays'> {
  const parsed = ledgerSchema.safeParse(environment);
  if (!parsed.success) throw new ConfigError(`Invalid aggregator environment:\n${z.prettifyError(parsed.error)}`);
  return { ledgerTableName: parsed.data[ENVIRONMENT.ledgerTableName], ledgerRetentionDays: parsed.data[ENVIRONMENT.ledgerRetentionDays] };
}

function secretArnsOf(value: unknown): Record<string, string> {
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [name, arn] of entries) {
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
      throw new ConfigError(`Invalid router environment: ${ENVIRONMENT.providerSecretArns}.${name} must be a secret ARN.`);
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
