/**
 * The router's environment, read once and validated at cold start. The CDK
 * construct is the only writer of these variables.
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../core/zod-english';
import { ConfigError } from '../core/errors';
import type { Policy } from '../core/policy';
import { readPolicyFile } from '../policy/policy-file';

const environmentSchema = z.object({
  LEDGER_TABLE_NAME: z.string().check(z.minLength(1)),
  LEDGER_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.positive()), 90),
  PROVIDER_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  FALLBACK_STATE_MACHINE_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  POLICY_FILE: z._default(z.string().check(z.minLength(1)), join(__dirname, 'policy.json')),
  REQUEST_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(1000), z.lte(900_000)), 29_000),
});

export interface RuntimeConfig {
  readonly ledgerTableName: string;
  readonly ledgerRetentionDays: number;
  readonly providerSecretArn: string | undefined;
  /** Set for the router, which starts the fallback workflow; not for the attempt function. */
  readonly fallbackStateMachineArn: string | undefined;
  readonly requestTimeoutMs: number;
  readonly policy: Policy;
}

export function readRuntimeConfig(environment: NodeJS.ProcessEnv): RuntimeConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid router environment: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  return {
    ledgerTableName: env.LEDGER_TABLE_NAME,
    ledgerRetentionDays: env.LEDGER_RETENTION_DAYS,
    providerSecretArn: env.PROVIDER_SECRET_ARN,
    fallbackStateMachineArn: env.FALLBACK_STATE_MACHINE_ARN,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    policy: readPolicyFile(env.POLICY_FILE),
  };
}
