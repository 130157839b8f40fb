import { Match } from 'aws-cdk-lib/assertions';
import { CostLedger } from '../../lib/constructs/cost-ledger';
import { ProviderSecrets } from '../../lib/constructs/provider-secrets';
import { LEDGER_ACCESS, ProviderFunction } from '../../lib/constructs/provider-function';
import { LAMBDA_ENTRIES } from '../../lib/bundling';
import { DEFAULT_POLICY_FILE } from '../../lambda/policy/policy-file';
import { rendered, templateOf, testStack } from '../support/cdk';
import { defaultPolicy } from '../support/policies';

function build(withSecrets = true) {
  const stack = testStack();
  const ledger = new CostLedger(stack, 'Ledger');
  const providerSecrets = withSecrets ? new ProviderSecrets(stack, 'Keys', { keyNames: ['OPENAI_API_KEY'] }) : undefined;
  new ProviderFunction(stack, 'Router', {
    entry: LAMBDA_ENTRIES.router,
    serviceName: 'router',
    ledgerAccess: LEDGER_ACCESS.router,
    policy: defaultPolicy(),
    policyFile: DEFAULT_POLICY_FILE,
    ledger,
    ...(providerSecrets ? { providerSecrets } : {}),
    requestTimeoutMs: 25_000,
  });
  return templateOf(stack);
}

const bedrockStatements = (template: ReturnType<typeof build>) =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: { Action: unknown }) => JSON.stringify(statement.Action).includes('bedrock:'));

const claudeArns = (names: readonly string[]) => [
  ...names.map((name) => `arn:\${AWS::Partition}:bedrock:*::foundation-model/anthropic.claude-${name}`),
  ...names.map((name) => `arn:\${AWS::Partition}:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-${name}`),
];
/** Claude 5.x goes through Bedrock's Messages API, the 4.5 models and Nova through Converse. */
const MESSAGES_MODELS = claudeArns(['fable-5-2', 'haiku-5-5', 'opus-5-5', 'sonnet-5-5']);
const POLICY_MODELS = [
  ...claudeArns(['haiku-4-5-20251001-v1:0', 'opus-4-5-20251101-v1:0', 'sonnet-4-5-20250929-v1:0']),
  'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
  'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0',
  'arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0',
];

describe('ProviderFunction', () => {
  it('runs on the latest Node runtime on arm64 with tracing, source maps and a timeout past the API deadline', () => {
    build().hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 26,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: Match.absent(),
          REQUEST_TIMEOUT_MS: '25000',
          LEDGER_TABLE_NAME: Match.anyValue(),
          PROVIDER_SECRET_ARNS: Match.anyValue(),
        }),
      },
    });
  });

  it('logs to its own log group with a retention period', () => {
    build().hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it("may invoke exactly the policy's Bedrock chat models, inference profiles included, only as a stream (Claude 5.x also by InvokeModel, for the Messages API), and its embedding model without one", () => {
    const statements = bedrockStatements(build());
    expect(statements.map((statement: { Action: unknown }) => statement.Action)).toEqual([
      'bedrock:InvokeModelWithResponseStream',
      'bedrock:InvokeModelWithResponseStream',
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      'bedrock:InvokeModel',
    ]);
    const [chat, chatThroughProfiles, messages, messagesThroughProfiles, embedding] = statements;
    const profiles = (arns: readonly string[]) => arns.filter((arn) => arn.includes(':inference-profile/'));
    const models = (arns: readonly string[]) => arns.filter((arn) => arn.includes('::foundation-model/') && arn.includes(':bedrock:*::'));
    const arns = (resource: unknown) => rendered([resource].flat()) as string[];
    expect([...arns(chat.Resource), ...arns(chatThroughProfiles.Resource)].sort()).toEqual([...POLICY_MODELS].sort());
    expect([...arns(messages.Resource), ...arns(messagesThroughProfiles.Resource)].sort()).toEqual([...MESSAGES_MODELS].sort());
    expect(rendered([embedding.Resource].flat())).toEqual(['arn:${AWS::Partition}:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0']);
    // A model in any Region only through the policy's own profiles: never called directly where a profile would not send it.
    for (const [direct, through, expected] of [[chat, chatThroughProfiles, POLICY_MODELS], [messages, messagesThroughProfiles, MESSAGES_MODELS]] as const) {
      expect(direct.Condition).toBeUndefined();
      expect(rendered(through.Resource)).toEqual(models(expected).sort());
      expect(rendered(through.Condition.StringEquals['bedrock:InferenceProfileArn'])).toEqual(profiles(expected).sort());
    }
  });

  it('may write and query the ledger and read the provider secret, but never scan or delete', () => {
    const statements = Object.values(build().findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'secretsmanager:GetSecretValue']) {
      expect(actions).toContain(action) /* action */;
    }
    expect(!actions.some((action: string) => /dynamodb:(Scan|DeleteItem|\*)/.test(action))).toBeTruthy();
  });

  it('has no secret access or variable when the policy has no external providers', () => {
    const template = build(false);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
    expect(fn.Properties.Environment.Variables.PROVIDER_SECRET_ARNS).toBe(undefined);
  });
});
