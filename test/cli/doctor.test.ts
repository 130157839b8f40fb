import {
  BedrockClient,
  GetFoundationModelAvailabilityCommand,
  type GetFoundationModelAvailabilityCommandOutput,
  GetFoundationModelCommand,
  GetInferenceProfileCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-bedrock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { modelWords, quotaApplies, renderFindings, runDoctor, type Finding } from '../../lib/cli/doctor';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { testPolicyDocument } from '../support/policies';

const NOVA = 'bedrock/eu.amazon.nova-lite-v1:0';
const CLAUDE = 'bedrock/eu.anthropic.claude-haiku-4-5-20251001-v1:0';
const policy = loadPolicy(
  testPolicyDocument({
    models: {
      ...testPolicyDocument().models,
      [NOVA]: { contextWindow: 300_000, maxOutputTokens: 5000 },
      [CLAUDE]: { contextWindow: 200_000, maxOutputTokens: 64_000 },
    },
  }),
);
const options = { region: 'eu-west-1', policy, policyFile: 'policy.json', requestTimeoutMs: 29_000 };

const sts = mockClient(STSClient);
const bedrock = mockClient(BedrockClient);
const quotas = mockClient(ServiceQuotasClient);
const cloudFormation = mockClient(CloudFormationClient);
const clients = () => ({
  sts: new STSClient({ region: 'eu-west-1' }),
  bedrock: new BedrockClient({ region: 'eu-west-1' }),
  quotas: new ServiceQuotasClient({ region: 'eu-west-1' }),
  cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
});

/** An account where everything is in order; each test breaks one thing. */
function healthyAccount() {
  for (const mock of [sts, bedrock, quotas, cloudFormation]) mock.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
  bedrock.on(GetInferenceProfileCommand).resolves({});
  bedrock.on(GetFoundationModelAvailabilityCommand).resolves({
    modelId: 'x',
    agreementAvailability: { status: 'AVAILABLE' },
    authorizationStatus: 'AUTHORIZED',
    entitlementAvailability: 'AVAILABLE',
    regionAvailability: 'AVAILABLE',
  });
  quotas.on(ListServiceQuotasCommand, { ServiceCode: 'lambda' }).resolves({ Quotas: [{ QuotaCode: 'L-B99A9384', QuotaName: 'Concurrent executions', Value: 1000 }] });
  quotas.on(ListServiceQuotasCommand, { ServiceCode: 'bedrock' }).resolves({
    Quotas: [
      { QuotaName: 'Cross-region model inference tokens per minute for Amazon Nova Lite', Value: 4_000_000 },
      { QuotaName: 'Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5', Value: 2_000_000 },
      { QuotaName: 'Cross-region model inference tokens per minute for Anthropic Claude 3.5 Haiku', Value: 0 },
    ],
  });
  quotas.on(ListServiceQuotasCommand, { ServiceCode: 'apigateway' }).resolves({ Quotas: [{ QuotaName: 'Maximum integration timeout in milliseconds', Value: 29_000 }] });
  cloudFormation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
    Stacks: [{ StackName: 'CDKToolkit', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '29' }] }],
  });
}

/** Claude's access status, as GetFoundationModelAvailability reports it, with `changes` on a fully available model. */
function claudeAvailability(changes: Partial<GetFoundationModelAvailabilityCommandOutput>) {
  const modelId = 'anthropic.claude-haiku-4-5-20251001-v1:0';
  bedrock.on(GetFoundationModelAvailabilityCommand, { modelId }).resolves({
    modelId,
    agreementAvailability: { status: 'AVAILABLE' },
    authorizationStatus: 'AUTHORIZED',
    entitlementAvailability: 'AVAILABLE',
    regionAvailability: 'AVAILABLE',
    ...changes,
  });
}

const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((finding) => [finding.check, finding]));

describe('npx switchyard doctor', () => {
  beforeEach(healthyAccount);

  it('warns about a policy model past its retirement date, saying where to replace it', async () => {
    healthyAccount();
    const document = testPolicyDocument();
    const retiring = loadPolicy({ ...document, models: { ...document.models, 'mock/small': { ...document.models['mock/small']!, retiresOn: '2026-01-31' } } });
    const findings = await runDoctor({ ...options, policy: retiring }, clients());
    expect(findings.filter((finding) => finding.check === 'model retirement')).toEqual([
      { check: 'model retirement', status: 'warn', message: expect.stringMatching(/^mock\/small was retired on 2026-01-31/), fix: 'replace it in policy.json' },
    ]);
    expect((await runDoctor(options, clients())).some((finding) => finding.check === 'model retirement')).toBe(false);
  });

  it('passes a ready account, saying what it found', async () => {
    const findings = await runDoctor(options, clients());
    expect(findings.filter((finding) => finding.status !== 'ok')).toEqual([]);
    const checks = byCheck(findings);
    expect(checks['credentials']!.message).toBe('arn:aws:iam::123456789012:user/ops in account 123456789012, Region eu-west-1');
    expect(checks[`model ${CLAUDE}`]!.message).toBe('offered and callable');
    expect(checks[`quotas ${CLAUDE}`]!.message).toBe('Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5: 2000000');
    expect(checks['CDK bootstrap']!.message).toBe('version 29');
    expect(renderFindings(findings)).toMatch(/Ready to deploy \(0 warning\(s\)\)\.$/);
    // The profile is looked up by its id; access by its model's.
    expect(bedrock.commandCalls(GetInferenceProfileCommand).map((call) => call.args[0].input.inferenceProfileIdentifier).sort()).toEqual([
      'eu.amazon.nova-lite-v1:0',
      'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
    expect(bedrock.commandCalls(GetFoundationModelAvailabilityCommand).map((call) => call.args[0].input.modelId).sort()).toEqual([
      'amazon.nova-lite-v1:0',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
  });

  it('stops at missing credentials, and says how to set them', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const findings = await runDoctor(options, clients());
    expect(findings).toEqual([expect.objectContaining({ check: 'credentials', status: 'fail', fix: expect.stringContaining('AWS_PROFILE') })]);
    expect(bedrock.calls()).toHaveLength(0);
  });

  it('fails a model whose access was never enabled, and says where to enable it', async () => {
    claudeAvailability({ agreementAvailability: { status: 'NOT_AVAILABLE' }, entitlementAvailability: 'NOT_AVAILABLE' });
    const finding = byCheck(await runDoctor(options, clients()))[`model ${CLAUDE}`]!;
    expect(finding.status).toBe('fail');
    expect(finding.message).toBe('the account has no entitlement (model access not granted); its agreement (marketplace subscription) is not accepted');
    expect(finding.fix).toContain('Model access');
  });

  it('warns while an agreement is pending', async () => {
    claudeAvailability({ agreementAvailability: { status: 'PENDING' } });
    expect(byCheck(await runDoctor(options, clients()))[`model ${CLAUDE}`]!.status).toBe('warn');
  });

  it('fails a profile the Region does not offer, and one of another geography without asking', async () => {
    bedrock.on(GetInferenceProfileCommand, { inferenceProfileIdentifier: 'eu.amazon.nova-lite-v1:0' }).rejects(
      new ResourceNotFoundException({ message: 'The specified inference profile does not exist', $metadata: {} }),
    );
    const checks = byCheck(await runDoctor(options, clients()));
    expect(checks[`model ${NOVA}`]).toMatchObject({ status: 'fail', message: expect.stringContaining('is not offered in eu-west-1') });

    const inUs = byCheck(await runDoctor({ ...options, region: 'us-east-1' }, clients()));
    expect(inUs[`model ${NOVA}`]).toMatchObject({ status: 'fail', message: 'the eu. inference profile can be called only from EU Regions, not us-east-1' });
  });

  it('fails an on-demand model id the Region offers only through profiles', async () => {
    const plain = loadPolicy(testPolicyDocument({ models: { ...testPolicyDocument().models, 'bedrock/amazon.nova-micro-v1:0': { contextWindow: 128_000, maxOutputTokens: 5000 } } }));
    bedrock.on(GetFoundationModelCommand).resolves({ modelDetails: { modelArn: 'a', modelId: 'amazon.nova-micro-v1:0', inferenceTypesSupported: ['PROVISIONED'] } });
    const checks = byCheck(await runDoctor({ ...options, region: 'us-east-1', policy: plain }, clients()));
    expect(checks['model bedrock/amazon.nova-micro-v1:0']).toMatchObject({ status: 'fail', message: 'amazon.nova-micro-v1:0 is not offered on demand in us-east-1' });
  });

  it('fails an account whose Lambda concurrency cannot hold the stack\'s reservations and 100 unreserved, and a Bedrock quota of zero', async () => {
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'lambda' }).resolves({ Quotas: [{ QuotaCode: 'L-B99A9384', Value: 10 }] });
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'bedrock' }).resolves({
      Quotas: [{ QuotaName: 'Cross-region model inference requests per minute for Amazon Nova Lite', Value: 0 }],
    });
    const checks = byCheck(await runDoctor(options, clients()));
    expect(checks['Lambda concurrency']).toMatchObject({
      status: 'fail',
      message: '10 concurrent executions for the account; the stack reserves 27 and Lambda keeps 100 unreserved',
      fix: expect.stringContaining('request at least 127'),
    });
    expect(checks[`quotas ${NOVA}`]).toMatchObject({ status: 'fail', fix: expect.stringContaining('Service Quotas') });
  });

  it('reads every page of quotas', async () => {
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'bedrock' }).resolves({ Quotas: [], NextToken: 'page-2' });
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'bedrock', NextToken: 'page-2' }).resolves({
      Quotas: [{ QuotaName: 'Cross-region model inference tokens per minute for Amazon Nova Lite', Value: 0 }],
    });
    expect(byCheck(await runDoctor(options, clients()))[`quotas ${NOVA}`]!.status).toBe('fail');
  });

  it('explains the integration timeout past 29 s', async () => {
    const checks = byCheck(await runDoctor({ ...options, requestTimeoutMs: 300_000 }, clients()));
    expect(checks['API Gateway integration timeout']!.message).toBe(
      "requestTimeoutMs is 300000: the integration streams, which API Gateway allows up to 900000 ms without an increase (the account's buffered-integration quota is 29000 ms)",
    );
  });

  it('fails an account that was never bootstrapped, or one bootstrapped too long ago', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id CDKToolkit does not exist'), { name: 'ValidationError' }));
    expect(byCheck(await runDoctor(options, clients()))['CDK bootstrap']).toMatchObject({ status: 'fail', fix: 'run npx cdk bootstrap in this account and Region' });
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'CDKToolkit', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '5' }] }] });
    const old = await runDoctor(options, clients());
    expect(byCheck(old)['CDK bootstrap']!.message).toBe('version 5; this app needs 6 or later');
    expect(renderFindings(old)).toMatch(/1 problem\(s\) to fix before cdk deploy, 0 warning\(s\)\.$/);
  });

  it('turns missing read permissions into warnings that name the permission', async () => {
    bedrock.on(GetFoundationModelAvailabilityCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    quotas.on(ListServiceQuotasCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const checks = byCheck(await runDoctor(options, clients()));
    expect(checks[`model ${CLAUDE}`]).toMatchObject({ status: 'warn', fix: expect.stringContaining('bedrock:GetFoundationModelAvailability') });
    expect(checks['quotas']).toMatchObject({ status: 'warn', fix: 'allow servicequotas:ListServiceQuotas to run this check' });
  });

  it('reads only the quotas of the family a model id calls through, by the model\'s name as a phrase', () => {
    const lite = 'eu.amazon.nova-lite-v1:0';
    expect(quotaApplies('Cross-region model inference tokens per minute for Amazon Nova Lite', lite)).toBe(true);
    expect(quotaApplies('On-demand model inference tokens per minute for Amazon Nova Lite', lite)).toBe(false);
    expect(quotaApplies('Cross-region model inference tokens per minute for Amazon Nova 2 Lite', lite)).toBe(false);
    expect(quotaApplies('On-demand model inference requests per minute for Amazon Nova Lite', 'amazon.nova-lite-v1:0')).toBe(true);
    const opus = 'global.anthropic.claude-opus-4-5-20251101-v1:0';
    expect(quotaApplies('Global cross-Region model inference tokens per minute for Anthropic Claude Opus 4.5', opus)).toBe(true);
    expect(quotaApplies('Cross-region model inference tokens per minute for Anthropic Claude Opus 4.5', opus)).toBe(false);
    expect(quotaApplies('Model invocation max tokens per day for Anthropic Claude Opus 4.5', opus)).toBe(false);
  });

  it('finds quotas by the words Bedrock names models with', () => {
    expect(modelWords('global.anthropic.claude-opus-4-5-20251101-v1:0')).toEqual(['claude', 'opus', '4.5']);
    expect(modelWords('amazon.nova-micro-v1:0')).toEqual(['nova', 'micro']);
    expect(modelWords('apac.amazon.nova-pro-v1:0')).toEqual(['nova', 'pro']);
  });
});
