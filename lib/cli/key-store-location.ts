/**
 * Where `keys` finds the table: the embedded DynamoDB of `npm start`
 * (`--local`), a table named outright (`--table`), or a deployed stack's
 * `LedgerTableName` output (`--stack`, default `Switchyard`). Model names in
 * limits are checked against `--policy`, else the Region's default policy.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../lambda/core/base/errors';
import { LOCAL_AWS } from '../../lambda/local/dynalite';
import { findGateway, portSetting } from '../../lambda/local/gateway-state';
import { LEDGER_TABLE_NAME } from '../../lambda/local/local-gateway';
import { DEFAULT_POLICY_FILE } from '../../lambda/policy/policy-file';
import { defaultPolicyFileFor } from '../geography';
import { dirname } from 'node:path';

export interface KeyStoreLocation {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly policyFile: string;
  readonly where: string;
}

export interface LocationFlags {
  readonly local?: boolean | undefined;
  readonly stack?: string | undefined;
  readonly table?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly policy?: string | undefined;
}

/** The SDK's usual chain, narrowed by `--region` and `--profile`. */
export function awsClientConfig(flags: Pick<LocationFlags, 'region' | 'profile'>) {
  return { ...(flags.region ? { region: flags.region } : {}), ...(flags.profile ? { profile: flags.profile } : {}) };
}

export async function locateKeyStore(flags: LocationFlags, environment: NodeJS.ProcessEnv): Promise<KeyStoreLocation> {
  if (flags.local) {
    const dynamoPort = environment['SWITCHYARD_DYNAMO_PORT'];
    const gateway = dynamoPort ? undefined : findGateway(portSetting(environment), 'set SWITCHYARD_DYNAMO_PORT to its embedded DynamoDB port');
    const endpoint = dynamoPort ? `http://127.0.0.1:${dynamoPort}` : gateway!.dynamoEndpoint;
    return {
      client: new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 }),
      tableName: LEDGER_TABLE_NAME,
      policyFile: flags.policy ?? gateway?.policyFile ?? DEFAULT_POLICY_FILE,
      where: `the local gateway's table at ${endpoint}`,
    };
  }
  const config = awsClientConfig(flags);
  const client = new DynamoDBClient(config);
  // The policy a stack deployed without -c policy runs: its Region's default (the models a key may name come from it).
  const region = await Promise.resolve(client.config.region()).catch(() => undefined);
  const policyFile = flags.policy ?? defaultPolicyFileFor(region, dirname(DEFAULT_POLICY_FILE));
  if (flags.table) return { client, tableName: flags.table, policyFile, where: `table ${flags.table}` };
  const stackName = flags.stack ?? 'Switchyard';
  const cloudFormation = new CloudFormationClient(config);
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const tableName = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'LedgerTableName')?.OutputValue;
    if (!tableName) throw new ConfigError(`The stack ${stackName} has no LedgerTableName output: is it a Switchyard stack? Pass --table instead.`);
    return { client, tableName, policyFile, where: `stack ${stackName}, table ${tableName}` };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // Without credentials nothing can be read: that is the thing to fix, not the stack.
    if ((error as Error).name === 'CredentialsProviderError') {
      throw new ConfigError(`No AWS credentials to read the stack ${stackName} with: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or use --local for npm start's keys.`);
    }
    throw new ConfigError(`Cannot read the stack ${stackName}: ${(error as Error).message}. Deploy it, or pass --stack NAME, --table NAME or --local.`);
  } finally {
    cloudFormation.destroy();
  }
}
