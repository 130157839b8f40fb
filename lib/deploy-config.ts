/**
 * Deployment settings, read from CDK context (`cdk.json` or `-c key=value`)
 * and validated before any construct is built. Invalid settings stop the
 * synth with a message naming the setting.
 */
import { dirname, resolve } from 'node:path';
import { defaultPolicyFileFor } from './geography';
import * as z from 'zod/mini';
import '../lambda/core/base/zod-english';
import { ConfigError } from '../lambda/core/base/errors';
import type { Policy } from '../lambda/policy/policy';
import { DEFAULT_LEDGER_RETENTION_DAYS, DEFAULT_LOG_RETENTION_DAYS, DEFAULT_REQUEST_TIMEOUT_MS } from '../lambda/contract/deployment';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';

export type AuthMode = 'managed' | 'apiKey' | 'iam';

export type Compute = 'lambda' | 'managed-instances';

/** The router's default memory on Lambda, and the least Lambda Managed Instances allows a function (2 GB, one vCPU). */
export const ROUTER_MEMORY_MB = { lambda: 256, managedInstances: 2048 } as const;

export interface DeployConfig {
  readonly auth: AuthMode;
  /** The deploy Region, when known at synth: `-c region`, else the CDK environment's. */
  readonly region: string | undefined;
  readonly policyFile: string;
  readonly policy: Policy;
  /** Steady-state requests per second across the stage. */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Requests per day per API Gateway key (`apiKey` mode), or for all managed keys together (`managed`). */
  readonly quotaPerDay: number;
  /** 0 accepts `x-api-key` as well as `Authorization: Bearer`; >0 caches on `Authorization` only. */
  readonly authorizerCacheSeconds: number;
  readonly logRetentionDays: number;
  readonly ledgerRetentionDays: number;
  /** API Gateway's integration timeout; the router's deadline derives from it. */
  readonly requestTimeoutMs: number;
  /**
   * Router and attempt-function memory; Lambda bills it for the whole time a
   * provider takes to answer. 256 MB: the smallest size at which the gateway
   * adds little latency (`npm run bench`, section h: at 192 MB its CPU share
   * is spent before a request is done, and requests wait for the next period).
   */
  readonly routerMemoryMb: number;
  /** The attempt function's memory: the router's on Lambda, the on-demand default when the router runs on Managed Instances. */
  readonly attemptMemoryMb: number;
  /** Where the router runs: on-demand Lambda, or Lambda Managed Instances (a capacity provider's EC2 fleet in a VPC). */
  readonly compute: Compute;
  /** The VPC and private subnets (with a route out) for Managed Instances; the stack creates a VPC when unset. */
  readonly network?: { readonly vpcId: string; readonly subnetIds: readonly string[] } | undefined;
  /** What the fallback workflow logs: failed executions, or every transition. */
  readonly workflowLogLevel: 'ERROR' | 'ALL';
  /** The CloudFormation stack's name, so two copies can share an account. */
  readonly stackName: string;
  /** Tags on the stack and everything in it, for cost allocation. */
  readonly tags: Readonly<Record<string, string>>;
  /** Requests per five minutes per IP before a WAF web ACL blocks; no WAF when unset. */
  readonly wafRateLimit?: number | undefined;
  /** A custom domain for the API: its name and an ACM certificate ARN in the deploy Region. */
  readonly customDomain?: { readonly name: string; readonly certificateArn: string } | undefined;
  /** Subscribed to budget alerts when set. */
  readonly alertEmail?: string | undefined;
  /** Local time of the daily rollup, HH:MM. */
  readonly rollupAt: { readonly hour: number; readonly minute: number };
  readonly rollupTimeZone: string;
  readonly hourlyBudgetCheck: boolean;
  /** API Gateway's per-method metrics (custom metrics, billed): off, as the alarms read the API's own. */
  readonly detailedApiMetrics: boolean;
  /** The share of requests X-Ray traces, in percent (a sampling rule on the API's stage). */
  readonly traceSamplePercent: number;
}

const whole = (min: number, max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), fallback);

/**
 * The API's default sizes, for the worked example's traffic
 * (lib/audit/worked-example.ts: 10M requests a month, 333,333 a day, 3.9 a
 * second on average):
 * - `quotaPerDay` 1,000,000: three average days, shared by every managed key
 *   (per key in `apiKey` mode), so a busy day is never refused;
 * - `throttleRateLimit` 50 a second: 13 times the average rate, for peaks; at
 *   the example's 2 s a request, 100 router invocations at once, a tenth of
 *   an account's default Lambda concurrency (1,000);
 * - `throttleBurstLimit` 100: two seconds of that rate at once.
 */
export const API_SIZES = { quotaPerDay: 1_000_000, throttleRateLimit: 50, throttleBurstLimit: 100 } as const;

/** The tag that names each function and workflow's part of Switchyard (router, authorizer, fallback…). */
export const PART_TAG = 'switchyard:part';

/**
 * Concurrency reserved for the functions a surge of long answers must not
 * starve; the router and the attempt function share what the account has
 * left (1,000 by default, of which AWS keeps 100 unreserved):
 * - the authorizer, checked on every request: the API's rate times a 100 ms
 *   check, four times over (20 at the default 50 a second);
 * - the aggregator: 5, one per ledger stream shard (DynamoDB opens more as
 *   the table grows) and room for a redelivery;
 * - the rollup: 2, a scheduled run and a retry.
 */
export function reservedConcurrency(throttleRateLimit: number): { readonly authorizer: number; readonly aggregator: number; readonly rollup: number } {
  return { authorizer: Math.max(5, Math.ceil(throttleRateLimit * 0.1 * 4)), aggregator: 5, rollup: 2 };
}

const contextSchema = z.object({
  auth: z._default(z.enum(['managed', 'apiKey', 'iam']), 'managed'),
  policy: z.optional(z.string().check(z.minLength(1))),
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region such as eu-west-1'))),
  throttleRateLimit: whole(1, 10_000, API_SIZES.throttleRateLimit),
  throttleBurstLimit: whole(1, 5_000, API_SIZES.throttleBurstLimit),
  quotaPerDay: whole(1, 1_000_000_000, API_SIZES.quotaPerDay),
  authorizerCacheSeconds: whole(0, 3600, 0),
  logRetentionDays: whole(1, 3653, DEFAULT_LOG_RETENTION_DAYS),
  ledgerRetentionDays: whole(1, 3653, DEFAULT_LEDGER_RETENTION_DAYS),
  // Lambda and Step Functions time out in whole seconds, and the router's limit is derived from this one.
  requestTimeoutMs: z._default(
    z.coerce
      .number()
      .check(
        z.int(),
        z.gte(1000),
        z.lte(300_000),
        z.multipleOf(1000, 'must be a whole number of seconds, written in milliseconds: e.g. 30000, not 30500'),
      ),
    DEFAULT_REQUEST_TIMEOUT_MS,
  ),
  routerMemoryMb: z.optional(z.coerce.number().check(z.int(), z.gte(128), z.lte(10_240))),
  compute: z._default(z.enum(['lambda', 'managed-instances']), 'lambda'),
  vpcId: z.optional(z.string().check(z.regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id, e.g. vpc-0abc1234def567890'))),
  // A list in cdk.json, or ids separated by commas on the command line (-c subnetIds=subnet-a,subnet-b).
  subnetIds: z.optional(
    z.pipe(
      z.union([z.string(), z.array(z.string())]),
      z.transform((value, context): string[] => {
        const ids = (typeof value === 'string' ? value.split(',') : value).map((id) => id.trim()).filter(Boolean);
        if (ids.length === 0 || ids.length > 16 || !ids.every((id) => /^subnet-[0-9a-f]{8,17}$/.test(id))) {
          context.issues.push({ code: 'custom', message: 'must be 1 to 16 subnet ids separated by commas, e.g. subnet-0abc1234,subnet-0def5678', input: value });
          return z.NEVER;
        }
        return ids;
      }),
    ),
  ),
  workflowLogLevel: z._default(z.enum(['ERROR', 'ALL']), 'ERROR'),
  stackName: z._default(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name: a letter, then letters, digits and "-"')), 'Switchyard'),
  // A JSON object in cdk.json, or key=value pairs on the command line (-c tags=team=ml,cost-center=42).
  tags: z._default(
    z.pipe(
      z.unknown(),
      z.transform((value, context): Record<string, string> => {
        const pairs = typeof value === 'string' ? value.split(',').filter(Boolean).map((pair) => pair.split('=')) : Object.entries(value as object);
        const valid = (pair: unknown[]) => pair.length === 2 && typeof pair[0] === 'string' && pair[0].trim() !== '' && typeof pair[1] === 'string';
        if ((typeof value !== 'string' && (typeof value !== 'object' || value === null)) || !pairs.every(valid)) {
          context.issues.push({ code: 'custom', message: 'must be key=value pairs separated by commas, e.g. team=ml,cost-center=42', input: value });
          return z.NEVER;
        }
        return Object.fromEntries(pairs.map(([key, text]) => [String(key).trim(), String(text).trim()]));
      }),
    ),
    {},
  ),
  alertEmail: z.optional(z.email()),
  wafRateLimit: z.optional(z.coerce.number().check(z.int(), z.gte(10), z.lte(2_000_000_000))),
  // An object in cdk.json, or name@certificate-arn on the command line (-c customDomain=api.example.com@arn:aws:acm:...).
  customDomain: z.optional(
    z.pipe(
      z.unknown(),
      z.transform((value, context): { name: string; certificateArn: string } => {
        const [name, certificateArn] =
          typeof value === 'string' ? value.split('@') : [(value as { name?: unknown })?.name, (value as { certificateArn?: unknown })?.certificateArn];
        if (typeof name !== 'string' || !/^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(name) || typeof certificateArn !== 'string' || !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
          context.issues.push({ code: 'custom', message: 'must be name@certificate-arn, e.g. api.example.com@arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234, or {"name", "certificateArn"} in cdk.json', input: value });
          return z.NEVER;
        }
        return { name, certificateArn };
      }),
    ),
  ),
  rollupAt: z._default(z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 00:15')), '00:15'),
  rollupTimeZone: z._default(z.string().check(z.regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as Europe/Berlin')), 'UTC'),
  hourlyBudgetCheck: z._default(z.union([z.boolean(), z.stringbool()]), true),
  detailedApiMetrics: z._default(z.union([z.boolean(), z.stringbool()]), false),
  traceSamplePercent: z._default(z.coerce.number().check(z.gte(0), z.lte(100)), 1),
});

/** Every `-c` setting's name: their defaults are written here and nowhere else (not in cdk.json). */
export const DEPLOY_SETTINGS: readonly string[] = Object.keys(contextSchema.shape);

export type ContextReader = (key: string) => unknown;

/**
 * @param environment where the CDK CLI puts the profile's Region (`CDK_DEFAULT_REGION`)
 */
export function readDeployConfig(context: ContextReader, environment: NodeJS.ProcessEnv = process.env): DeployConfig {
  const raw = Object.fromEntries(DEPLOY_SETTINGS.map((key) => [key, context(key)]));
  const parsed = contextSchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  -c ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid deployment settings:\n${problems.join('\n')}`);
  }
  const { rollupAt, policy, region: regionSetting, routerMemoryMb, vpcId, subnetIds, ...settings } = parsed.data;
  const compute = computeOf(settings.compute, routerMemoryMb, vpcId, subnetIds);
  const [hour, minute] = rollupAt.split(':').map(Number) as [number, number];
  const region = regionSetting ?? (environment['CDK_DEFAULT_REGION'] || undefined);
  // Without -c policy, the default for the Region's geography: its inference profiles keep prompts in it.
  const policyFile = policy === undefined ? defaultPolicyFileFor(region, dirname(DEFAULT_POLICY_FILE)) : resolve(policy);
  return { ...settings, ...compute, region, rollupAt: { hour, minute }, policyFile, policy: readPolicyFile(policyFile) };
}

/** The router's memory and network for where it runs, or the setting that does not fit. */
function computeOf(
  compute: Compute,
  routerMemoryMb: number | undefined,
  vpcId: string | undefined,
  subnetIds: string[] | undefined,
): Pick<DeployConfig, 'routerMemoryMb' | 'attemptMemoryMb' | 'network'> {
  const problem = (setting: string, message: string) => new ConfigError(`Invalid deployment settings:\n  -c ${setting}: ${message}`);
  if (compute === 'lambda') {
    if (vpcId !== undefined || subnetIds !== undefined) throw problem(vpcId !== undefined ? 'vpcId' : 'subnetIds', 'only applies with -c compute=managed-instances: on Lambda the router runs outside any VPC');
    const memory = routerMemoryMb ?? ROUTER_MEMORY_MB.lambda;
    return { routerMemoryMb: memory, attemptMemoryMb: memory, network: undefined };
  }
  if (routerMemoryMb !== undefined && routerMemoryMb < ROUTER_MEMORY_MB.managedInstances) {
    throw problem('routerMemoryMb', `is ${routerMemoryMb}; Lambda Managed Instances needs at least ${ROUTER_MEMORY_MB.managedInstances} (2 GB a vCPU): leave it unset or raise it`);
  }
  if ((vpcId === undefined) !== (subnetIds === undefined)) throw problem(vpcId === undefined ? 'vpcId' : 'subnetIds', 'give both -c vpcId and -c subnetIds (private subnets with a route out), or neither, and the stack creates a VPC');
  return {
    routerMemoryMb: routerMemoryMb ?? ROUTER_MEMORY_MB.managedInstances,
    attemptMemoryMb: ROUTER_MEMORY_MB.lambda,
    network: vpcId !== undefined && subnetIds !== undefined ? { vpcId, subnetIds } : undefined,
  };
}
