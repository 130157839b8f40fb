/**
 * `npx switchyard <command>`: the operator's tools.
 *   keys    create, list, show, update, rotate and revoke managed API keys
 *   doctor  checks an AWS account and region before `cdk deploy`
 *   smoke   sends one request per tier and a forced fallback to a deployed gateway
 *   audit   what routing would save on a request log, net of Switchyard's own AWS bill
 */
import { parseArgs } from 'node:util';
import { createDynamoKeyStore } from '../lambda/adapters/dynamodb/dynamodb-key-store';
import { ConfigError } from '../lambda/core/base/errors';
import { readPolicyFile } from '../lambda/policy/policy-file';
import { KEYS_LOCATION_OPTIONS, KEYS_USAGE, runKeysCommand } from '../lib/cli/keys';
import { locateKeyStore } from '../lib/cli/key-store-location';
import { createDoctorClients, renderFindings, runDoctor } from '../lib/cli/doctor';
import { renderSmoke, runSmoke } from '../lib/cli/smoke';
import { runAuditCommand } from '../lib/cli/audit';
import { defaultPolicyFileFor } from '../lib/geography';
import { DEFAULT_POLICY_FILE } from '../lambda/policy/policy-file';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../lambda/contract/deployment';
import { STSClient } from '@aws-sdk/client-sts';
import { dirname } from 'node:path';

const USAGE = `Usage: npx switchyard <keys|doctor|smoke|audit> ...
  npx switchyard keys --help
  npx switchyard audit <file…> [--policy FILE] [--what-if FILE] [--json] [--report FILE]   (--help for more; --example)
  npx switchyard doctor [--region R] [--profile P] [--policy FILE] [--request-timeout-ms N]
  npx switchyard smoke --endpoint URL --key KEY     (an admin key: keys create --admin)`;

async function keys(args: string[]): Promise<void> {
  if (args.length === 0 || args.includes('--help')) return console.log(KEYS_USAGE);
  const { values } = parseArgs({ args, options: KEYS_LOCATION_OPTIONS, strict: false, allowPositionals: true });
  const location = await locateKeyStore(values as Parameters<typeof locateKeyStore>[0], process.env);
  try {
    await runKeysCommand(args, {
      store: createDynamoKeyStore({ client: location.client, tableName: location.tableName }),
      policy: readPolicyFile(location.policyFile),
      where: location.where,
      print: (line) => console.log(line),
    });
  } finally {
    location.client.destroy();
  }
}

/** A command's own line of the usage, for its `--help`. */
const usageOf = (command: string) => `Usage:\n${USAGE.split('\n').filter((line) => line.includes(`switchyard ${command} `)).join('\n')}`;

async function doctor(args: string[]): Promise<void> {
  if (args.includes('--help')) return console.log(usageOf('doctor'));
  const { values } = parseArgs({
    args,
    options: { region: { type: 'string' }, profile: { type: 'string' }, policy: { type: 'string' }, 'request-timeout-ms': { type: 'string' } },
  });
  const region = values.region ?? (process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || (await regionOfProfile(values.profile)));
  if (!region) throw new ConfigError('No Region: pass --region, or set AWS_REGION or a region in your AWS profile.');
  const policyFile = values.policy ?? defaultPolicyFileFor(region, dirname(DEFAULT_POLICY_FILE));
  const clients = createDoctorClients(region, values.profile);
  console.log(`Checking ${region} for policy ${policyFile}\n`);
  const findings = await runDoctor(
    { region, policy: readPolicyFile(policyFile), policyFile, requestTimeoutMs: Number(values['request-timeout-ms'] ?? DEFAULT_REQUEST_TIMEOUT_MS) },
    clients,
  );
  console.log(renderFindings(findings));
  if (findings.some((finding) => finding.status === 'fail')) process.exitCode = 1;
}

/** The Region the SDK would use for this profile, if it has one. */
async function regionOfProfile(profile: string | undefined): Promise<string | undefined> {
  const client = new STSClient(profile ? { profile } : {});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

async function smoke(args: string[]): Promise<void> {
  if (args.includes('--help')) return console.log(usageOf('smoke'));
  const { values } = parseArgs({ args, options: { endpoint: { type: 'string' }, key: { type: 'string' } } });
  const key = values.key ?? process.env['SWITCHYARD_KEY'];
  if (!values.endpoint || !key) throw new ConfigError('smoke needs --endpoint (the BaseUrl output, ending in /v1) and --key (or SWITCHYARD_KEY): an admin key, for the forced fallback.');
  const steps = await runSmoke({ endpoint: values.endpoint, key });
  console.log(renderSmoke(steps));
  if (steps.some((step) => !step.ok)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'keys':
      return keys(args);
    case 'doctor':
      return doctor(args);
    case 'smoke':
      return smoke(args);
    case 'audit':
      return runAuditCommand(args, { stdout: (text) => console.log(text), stderr: process.stderr });
    default:
      console.log(USAGE);
      if (command !== undefined && command !== '--help') process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  // A mistake of the operator's is one clear line; anything else keeps its stack.
  console.error(error instanceof ConfigError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS') ? (error as Error).message : error);
  process.exitCode = 1;
});
