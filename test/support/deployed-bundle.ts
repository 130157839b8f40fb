/** A Lambda function as CDK deploys it, for tests that load the real bundle: built, minified, its policy beside it, its environment set. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ENVIRONMENT } from '../../lambda/contract/deployment';
import { LOCAL_AWS } from '../../lambda/local/dynalite';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { ESBUILD_OPTIONS } from '../../lib/bundling';

/** Bundles `entry` with the deployment's esbuild options into a fresh directory, with `policy` as its `policy.json`; returns the directory. */
export async function bundleAsDeployed(entry: string, policy: PolicyDocument): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bundle-'));
  await build({ ...ESBUILD_OPTIONS, entryPoints: [entry], outfile: join(dir, 'index.js'), logLevel: 'error' });
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
  return dir;
}

/** Sets the environment a deployed function reads, its ledger on a local DynamoDB, metrics and logs quiet; returns what puts the old one back. */
export function useDeployedEnvironment(tableName: string, dynamoEndpoint: string, extra: Readonly<Record<string, string>> = {}): () => void {
  const before = { ...process.env };
  Object.assign(process.env, {
    [ENVIRONMENT.ledgerTableName]: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...extra,
  });
  return () => {
    process.env = before;
  };
}
