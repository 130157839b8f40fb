/**
 * `npx switchyard doctor`: what stands between this account and Region and a
 * working deploy, checked before `cdk deploy`, each problem with its fix.
 * Read-only: it calls Get/List/Describe APIs and nothing else.
 */
import { inferenceProfileOf } from '../../lambda/policy/model-ids';
import { retiredModelWarnings } from '../../lambda/policy/retirements';
import { utcDay } from '../../lambda/core/base/utc-day';
import {
  BedrockClient,
  GetFoundationModelAvailabilityCommand,
  GetFoundationModelCommand,
  GetInferenceProfileCommand,
} from '@aws-sdk/client-bedrock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListServiceQuotasCommand, ServiceQuotasClient, type ServiceQuota } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { ModelSpec, Policy } from '../../lambda/policy/policy';
import { whyNotOffered } from '../geography';
import { awsClientConfig } from './key-store-location';
import { API_SIZES, reservedConcurrency } from '../deploy-config';

export type FindingStatus = 'ok' | 'warn' | 'fail';

export interface Finding {
  readonly check: string;
  readonly status: FindingStatus;
  readonly message: string;
  /** What to do about it; set on every warning and failure. */
  readonly fix?: string;
}

export interface DoctorClients {
  readonly sts: STSClient;
  readonly bedrock: BedrockClient;
  readonly quotas: ServiceQuotasClient;
  readonly cloudFormation: CloudFormationClient;
}

export interface DoctorOptions {
  readonly region: string;
  readonly policy: Policy;
  readonly policyFile: string;
  readonly requestTimeoutMs: number;
}

/** The bootstrap version this CDK's templates check for (their CheckBootstrapVersion rule). */
const MIN_BOOTSTRAP_VERSION = 6;
/** What Lambda keeps unreserved in an account: reservations may not take more than the rest. */
const MIN_LAMBDA_CONCURRENCY = 100;
/** API Gateway's default integration timeout for a buffered integration. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
const LAMBDA_CONCURRENCY_QUOTA = 'L-B99A9384';

export function createDoctorClients(region: string, profile: string | undefined): DoctorClients {
  const config = awsClientConfig({ region, profile });
  return { sts: new STSClient(config), bedrock: new BedrockClient(config), quotas: new ServiceQuotasClient(config), cloudFormation: new CloudFormationClient(config) };
}

export async function runDoctor(options: DoctorOptions, clients: DoctorClients): Promise<Finding[]> {
  const identity = await checkCredentials(options.region, clients.sts);
  // Without credentials nothing else can be asked.
  if (identity.status === 'fail') return [identity];
  const bedrockModels = [...options.policy.models.values()].filter((model) => model.providerKind === 'bedrock');
  const [models, quotas, bootstrap] = await Promise.all([
    Promise.all(bedrockModels.map((model) => checkModel(model, options, clients.bedrock))),
    checkQuotas(options, bedrockModels, clients.quotas),
    checkBootstrap(clients.cloudFormation),
  ]);
  const retired = retiredModelWarnings(options.policy.models.values(), utcDay(Date.now())).map(
    (message): Finding => ({ check: 'model retirement', status: 'warn', message, fix: `replace it in ${options.policyFile}` }),
  );
  return [identity, ...models.flat(), ...retired, ...quotas, bootstrap];
}

async function checkCredentials(region: string, sts: STSClient): Promise<Finding> {
  try {
    const { Account, Arn } = await sts.send(new GetCallerIdentityCommand({}));
    return { check: 'credentials', status: 'ok', message: `${Arn} in account ${Account}, Region ${region}` };
  } catch (error) {
    return {
      check: 'credentials',
      status: 'fail',
      message: `no usable AWS credentials for ${region}: ${errorText(error)}`,
      fix: 'set AWS_PROFILE (or pass --profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; aws sts get-caller-identity must work',
    };
  }
}

/** Offered here, callable by this account (model access, marketplace agreement). */
async function checkModel(model: ModelSpec, options: DoctorOptions, bedrock: BedrockClient): Promise<Finding[]> {
  const check = `model ${model.id}`;
  const offline = whyNotOffered(model.providerModelId, options.region);
  if (offline) return [{ check, status: 'fail', message: offline, fix: `use a model the Region offers in ${options.policyFile}` }];
  const { profile, model: baseModel } = inferenceProfileOf(model.providerModelId);
  try {
    if (profile !== undefined) {
      await bedrock.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: model.providerModelId }));
    } else {
      const { modelDetails } = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: baseModel }));
      if (!(modelDetails?.inferenceTypesSupported ?? []).includes('ON_DEMAND')) {
        return [{ check, status: 'fail', message: `${baseModel} is not offered on demand in ${options.region}`, fix: 'name one of its inference profiles (us., eu., apac. or global.) in the policy' }];
      }
    }
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException' || errorName(error) === 'ValidationException') {
      return [{ check, status: 'fail', message: `${model.providerModelId} is not offered in ${options.region} (${errorText(error)})`, fix: `pick a model or profile this Region offers (aws bedrock list-inference-profiles --region ${options.region})` }];
    }
    return [{ check, status: 'warn', message: `could not look ${model.providerModelId} up: ${errorText(error)}`, fix: 'allow bedrock:GetFoundationModel and bedrock:GetInferenceProfile to run this check' }];
  }
  return [await checkAccess(check, baseModel, bedrock)];
}

async function checkAccess(check: string, baseModel: string, bedrock: BedrockClient): Promise<Finding> {
  const enable = `enable it in the Bedrock console (Model access) for this account, as someone allowed to accept its terms (aws-marketplace:Subscribe)`;
  try {
    const availability = await bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId: baseModel }));
    const problems = [
      availability.authorizationStatus === 'NOT_AUTHORIZED' ? 'this account is not authorized to use it' : undefined,
      availability.entitlementAvailability === 'NOT_AVAILABLE' ? 'the account has no entitlement (model access not granted)' : undefined,
      availability.agreementAvailability?.status === 'NOT_AVAILABLE' ? 'its agreement (marketplace subscription) is not accepted' : undefined,
      availability.agreementAvailability?.status === 'ERROR' ? `its agreement failed: ${availability.agreementAvailability.errorMessage ?? 'no reason given'}` : undefined,
      availability.regionAvailability === 'NOT_AVAILABLE' ? 'it is not available in this Region' : undefined,
    ].filter((problem): problem is string => problem !== undefined);
    if (problems.length > 0) return { check, status: 'fail', message: problems.join('; '), fix: enable };
    if (availability.agreementAvailability?.status === 'PENDING') {
      return { check, status: 'warn', message: 'its agreement is pending: calls fail until it completes (usually minutes)', fix: 'wait, then run doctor again' };
    }
    return { check, status: 'ok', message: 'offered and callable' };
  } catch (error) {
    return { check, status: 'warn', message: `could not read its access status: ${errorText(error)}`, fix: `allow bedrock:GetFoundationModelAvailability, or check Model access in the console; ${enable}` };
  }
}

async function checkQuotas(options: DoctorOptions, models: readonly ModelSpec[], quotas: ServiceQuotasClient): Promise<Finding[]> {
  const findings: Finding[] = [];
  try {
    const [lambda, bedrock, apiGateway] = await Promise.all([listQuotas(quotas, 'lambda'), listQuotas(quotas, 'bedrock'), listQuotas(quotas, 'apigateway')]);
    const concurrency = lambda.find((quota) => quota.QuotaCode === LAMBDA_CONCURRENCY_QUOTA)?.Value;
    if (concurrency !== undefined) {
      // The stack reserves some for its small functions, and Lambda keeps 100 of the account's unreserved: below both, the deploy itself fails.
      const reserved = Object.values(reservedConcurrency(API_SIZES.throttleRateLimit)).reduce((sum, count) => sum + count, 0);
      const needed = MIN_LAMBDA_CONCURRENCY + reserved;
      findings.push(
        concurrency < needed
          ? {
              check: 'Lambda concurrency',
              status: 'fail',
              message: `${concurrency} concurrent executions for the account; the stack reserves ${reserved} and Lambda keeps ${MIN_LAMBDA_CONCURRENCY} unreserved`,
              fix: `request at least ${needed} in Service Quotas (Lambda, Concurrent executions): each request in flight holds one`,
            }
          : { check: 'Lambda concurrency', status: 'ok', message: `${concurrency} concurrent executions` },
      );
    }
    for (const model of models) {
      const matching = bedrock.filter((quota) => quotaApplies(quota.QuotaName ?? '', model.providerModelId));
      if (matching.length === 0) continue;
      const zero = matching.filter((quota) => quota.Value === 0);
      const summary = matching.map((quota) => `${quota.QuotaName}: ${quota.Value}`).join('; ');
      findings.push(
        zero.length > 0
          ? { check: `quotas ${model.id}`, status: 'fail', message: `${zero.map((quota) => quota.QuotaName).join('; ')} is 0`, fix: 'request an increase in Service Quotas (Amazon Bedrock); a quota of 0 refuses every call' }
          : { check: `quotas ${model.id}`, status: 'ok', message: summary },
      );
    }
    if (options.requestTimeoutMs > DEFAULT_INTEGRATION_TIMEOUT_MS) {
      const timeout = apiGateway.find((quota) => /integration timeout/i.test(quota.QuotaName ?? ''));
      findings.push({
        check: 'API Gateway integration timeout',
        status: 'ok',
        message:
          `requestTimeoutMs is ${options.requestTimeoutMs}: the integration streams, which API Gateway allows up to 900000 ms without an increase` +
          (timeout ? ` (the account's buffered-integration quota is ${timeout.Value} ms)` : ''),
      });
    }
  } catch (error) {
    findings.push({ check: 'quotas', status: 'warn', message: `could not read Service Quotas: ${errorText(error)}`, fix: 'allow servicequotas:ListServiceQuotas to run this check' });
  }
  return findings;
}

async function listQuotas(client: ServiceQuotasClient, serviceCode: string): Promise<ServiceQuota[]> {
  const quotas: ServiceQuota[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListServiceQuotasCommand({ ServiceCode: serviceCode, NextToken: token }));
    quotas.push(...(page.Quotas ?? []));
    token = page.NextToken;
  } while (token);
  return quotas;
}

/**
 * Whether a Bedrock per-minute quota is the one calls to `providerModelId` use:
 * the model's name as a phrase ("Claude Opus 4.5", not "Nova 2 Lite" for Nova
 * Lite), and the family its id calls through: a `global.` profile, a
 * geographic profile, or on-demand in the Region.
 */
export function quotaApplies(quotaName: string, providerModelId: string): boolean {
  const name = quotaName.toLowerCase();
  if (!name.includes('per minute')) return false;
  const phrase = modelWords(providerModelId).map((word) => word.replace(/\./g, '\\.')).join('\\s+');
  if (!new RegExp(`(^|[^a-z0-9.])${phrase}($|[^a-z0-9.])`).test(name)) return false;
  const { profile } = inferenceProfileOf(providerModelId);
  if (profile === 'global') return name.includes('global');
  if (profile !== undefined) return name.includes('cross-region') && !name.includes('global');
  return name.includes('on-demand');
}

/** `global.anthropic.claude-opus-4-5-20251101-v1:0` -> ['claude', 'opus', '4.5']: the words Bedrock's quota names use. */
export function modelWords(providerModelId: string): string[] {
  const base = inferenceProfileOf(providerModelId).model.replace(/^[a-z]+\./, '').replace(/-\d{8}/, '').replace(/-v\d+(:\d+)?$/, '').replace(/:\d+$/, '');
  return base.replace(/(\d)-(\d)/g, '$1.$2').split('-').filter(Boolean);
}

async function checkBootstrap(cloudFormation: CloudFormationClient): Promise<Finding> {
  const fix = 'run npx cdk bootstrap in this account and Region';
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
    const version = Number(Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'BootstrapVersion')?.OutputValue);
    if (!Number.isInteger(version)) return { check: 'CDK bootstrap', status: 'warn', message: 'the CDKToolkit stack has no BootstrapVersion output', fix };
    return version >= MIN_BOOTSTRAP_VERSION
      ? { check: 'CDK bootstrap', status: 'ok', message: `version ${version}` }
      : { check: 'CDK bootstrap', status: 'fail', message: `version ${version}; this app needs ${MIN_BOOTSTRAP_VERSION} or later`, fix };
  } catch (error) {
    if (/does not exist/.test(errorText(error))) return { check: 'CDK bootstrap', status: 'fail', message: 'this account and Region are not bootstrapped', fix };
    return { check: 'CDK bootstrap', status: 'warn', message: `could not read the CDKToolkit stack: ${errorText(error)}`, fix: 'allow cloudformation:DescribeStacks to run this check' };
  }
}

const MARK: Record<FindingStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export function renderFindings(findings: readonly Finding[]): string {
  const lines = findings.map((finding) => `${MARK[finding.status]}  ${finding.check}: ${finding.message}${finding.fix ? `\n        fix: ${finding.fix}` : ''}`);
  const failed = findings.filter((finding) => finding.status === 'fail').length;
  const warned = findings.filter((finding) => finding.status === 'warn').length;
  lines.push('', failed > 0 ? `${failed} problem(s) to fix before cdk deploy, ${warned} warning(s).` : `Ready to deploy (${warned} warning(s)).`);
  return lines.join('\n');
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
