import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createSwitchyardApp } from '../../lib/app';
import { API_SIZES, DEPLOY_SETTINGS, readDeployConfig } from '../../lib/deploy-config';
import { STANDARD_EXAMPLE } from '../../lib/audit/worked-example';
import type { SwitchyardStack } from '../../lib/switchyard-stack';
import { DOCUMENTED_MODES, unbundledApp } from '../support/cdk';
import { testPolicyDocument } from '../support/policies';

const ROOT = join(__dirname, '..', '..');

describe('the Switchyard app under cdk-nag (AwsSolutions and Serverless)', () => {
  for (const auth of ['managed', 'apiKey', 'iam']) {
    it(`synthesises with every finding acknowledged, in ${auth} mode`, () => {
      const { app, stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], auth } });
      expect(() => app.synth()).not.toThrow();
      Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', auth === 'iam' ? 5 : 6);
    });
  }

  it.each(['managedInstances', 'managedInstancesInYourVpc'])('synthesises with every finding acknowledged, with the router on Managed Instances (%s)', (mode) => {
    const { app } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...DOCUMENTED_MODES[mode] } });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on an unacknowledged finding, so the check above is not vacuous', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Careless');
    new LambdaFunction(stack, 'Bare', { runtime: Runtime.NODEJS_20_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>{}') });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).toThrow();
  });
});

describe('the deployed app streams', () => {
  const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(stack);
  const routerArn = { 'Fn::GetAtt': [stack.getLogicalId(stack.router.function.node.defaultChild as never), 'Arn'] };

  it("every API method from the router, whose role may call Bedrock's streaming API on the models it may invoke", () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((method) => method.Properties.Integration);
    expect(methods.length).toBe(9);
    for (const integration of methods) {
      expect(integration.ResponseTransferMode).toBe('STREAM');
      expect(JSON.stringify(integration.Uri)).toContain(JSON.stringify(routerArn));
    }
    const routerRole = stack.getLogicalId(stack.router.function.role!.node.defaultChild as never);
    const bedrock = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(routerRole))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('bedrock:'));
    // Each model type twice over: the profiles (and models called directly), then the models only through those profiles.
    expect(bedrock.map((statement) => statement.Action)).toEqual([
      'bedrock:InvokeModelWithResponseStream',
      'bedrock:InvokeModelWithResponseStream',
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      'bedrock:InvokeModel',
    ]);
    // Claude 5.x also by InvokeModel, for Bedrock's Messages API; otherwise only the embedding model may be invoked without a stream.
    for (const messages of [bedrock[2], bedrock[3]]) {
      expect(JSON.stringify(messages.Resource)).toMatch(/claude-opus-5-5/);
      expect(JSON.stringify(messages.Resource)).not.toMatch(/nova|claude-[a-z]+-4-5/);
    }
    expect(JSON.stringify(bedrock[4].Resource)).toMatch(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":bedrock:",\{"Ref":"AWS::Region"\},"::foundation-model\/amazon.titan-embed-text-v2:0"\]\]\}$/);
  });
});

describe('deployment settings', () => {
  it("take their defaults from one place: cdk.json sets none, so a plain cdk deploy deploys managed keys, as the README says", () => {
    const { context } = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    expect(Object.keys(context).filter((key) => DEPLOY_SETTINGS.includes(key))).toEqual([]);
    expect(readDeployConfig((key) => context[key], {}).auth).toBe('managed');
  });

  it("size the API for the worked example's traffic by default: a busy day within the quota, its peaks within the rate", () => {
    const { requestsPerMonth, modelLatencyMs } = STANDARD_EXAMPLE;
    const perDay = requestsPerMonth / 30;
    expect(API_SIZES.quotaPerDay).toBeGreaterThanOrEqual(2 * perDay);
    expect(API_SIZES.throttleRateLimit).toBeGreaterThanOrEqual((10 * perDay) / 86_400);
    // At the rate limit, the routers running at once stay well inside an account's default Lambda concurrency (1,000).
    expect((API_SIZES.throttleRateLimit * modelLatencyMs) / 1000).toBeLessThanOrEqual(250);
    const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Quota: { Limit: API_SIZES.quotaPerDay, Period: 'DAY' },
      Throttle: { RateLimit: API_SIZES.throttleRateLimit, BurstLimit: API_SIZES.throttleBurstLimit },
    });
  });

  it('reserve concurrency for the authorizer, the aggregator and the rollup, so a surge of long answers cannot starve them', () => {
    const reservedBy = (context: Record<string, unknown>) => {
      const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
      const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
      const of = (fn: unknown) => functions[stack.getLogicalId((fn as { node: { defaultChild: never } }).node.defaultChild)]!['Properties'].ReservedConcurrentExecutions as number | undefined;
      return { authorizer: of(stack.api.authorizerFunction), aggregator: of(stack.aggregator.function), rollup: of(stack.alerts.rollupFunction), router: of(stack.router.function) };
    };
    expect(reservedBy({})).toEqual({ authorizer: 20, aggregator: 5, rollup: 2, router: undefined });
    // The authorizer's share grows with the API's rate.
    expect(reservedBy({ throttleRateLimit: 500 }).authorizer).toBe(200);
  });

  it("log every function's lines as JSON, and of Lambda's own only warnings (no START, END and REPORT line an invocation)", () => {
    const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')).filter((fn) => fn['Properties'].Runtime === 'nodejs24.x');
    expect(functions.length).toBeGreaterThanOrEqual(6);
    for (const fn of functions) expect(fn['Properties'].LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' });
  });

  it("keep API Gateway's per-method metrics (billed as custom metrics) off unless asked for: the alarms read the API's own", () => {
    const metricsOf = (context: Record<string, unknown>) => {
      const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
      const [stage] = Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Stage'));
      return (stage!['Properties'].MethodSettings as { MetricsEnabled?: boolean }[]).map((setting) => setting.MetricsEnabled);
    };
    expect(metricsOf({})).toEqual([false]);
    expect(metricsOf({ detailedApiMetrics: 'true' })).toEqual([true]);
  });

  it('stop the synth with a message that names the bad setting', () => {
    expect(() => createSwitchyardApp({ context: { auth: 'password', throttleRateLimit: 'lots' } })).toThrow(/-c auth: [^]*-c throttleRateLimit: /);
  });

  it('refuse a request timeout that is not a whole number of seconds, saying what to write', () => {
    expect(() => createSwitchyardApp({ context: { requestTimeoutMs: '30500' } })).toThrow(/-c requestTimeoutMs: must be a whole number of seconds, written in milliseconds: e\.g\. 30000, not 30500/);
  });

  it('validate a custom policy file before anything is built', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-policy-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...testPolicyDocument(), flagship: 'mock/missing' }));
    expect(() => createSwitchyardApp({ context: { policy: file } })).toThrow(/flagship: model "mock\/missing" is not listed/);
  });
});

describe('npx cdk synth', () => {
  // 1.05 MB until issue 24 bundled the SDK's ES module builds (mainFields), which dropped it to about 763 KB.
  it('synthesises offline, bundling the router with its policy under 800 KB', () => {
    const output = mkdtempSync(join(tmpdir(), 'switchyard-cdk-out-'));
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', output], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: 'pipe',
    });
    expect(existsSync(join(output, 'Switchyard.template.json'))).toBeTruthy();
    const assets = readdirSync(output).filter((name) => name.startsWith('asset.')).map((name) => join(output, name));
    const router = assets.find((dir) => existsSync(join(dir, 'policy.json')));
    expect(router).toBeDefined();
    expect(JSON.parse(readFileSync(join(router!, 'policy.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(ROOT, 'lambda/policy/default-policy.json'), 'utf8')));
    const size = statSync(join(router!, 'index.js')).size;
    expect(size).toBeLessThan(800_000) /* `router bundle is ${size} bytes` */;
  });
});

describe('deployment settings for operators', () => {
  const synthWith = (context: Record<string, unknown>) => {
    const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    return { stack, template: Template.fromStack(stack) };
  };

  it('name the stack and tag it and its resources, so two copies can share an account and costs can be allocated', () => {
    const { stack, template } = synthWith({ stackName: 'Switchyard-Staging', tags: 'team=ml,cost-center=42' });
    expect(stack.stackName).toBe('Switchyard-Staging');
    expect(stack.tags.tagValues()).toEqual({ team: 'ml', 'cost-center': '42' });
    template.hasResourceProperties('AWS::Lambda::Function', { Tags: Match.arrayWith([{ Key: 'team', Value: 'ml' }]) });
    expect(() => synthWith({ tags: 'team' })).toThrow(/-c tags: must be key=value pairs/);
  });

  it("log the fallback workflow's errors by default, every transition when asked, under a vended-logs name", () => {
    const levelOf = (template: Template) => Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]!.Properties.LoggingConfiguration;
    expect(levelOf(synthWith({}).template)).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(levelOf(synthWith({ workflowLogLevel: 'ALL' }).template)).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it("name each workflow's kept log group after the stack's own id, so cdk destroy then cdk deploy does not collide with the kept group", () => {
    const groups = Object.values(synthWith({}).template.findResources('AWS::Logs::LogGroup')).filter((group) => JSON.stringify(group).includes('/aws/vendedlogs/states/'));
    // The fallback workflow and the shadow worker.
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group['DeletionPolicy']).toBe('Retain');
      const [, parts] = group['Properties'].LogGroupName['Fn::Join'] as [string, unknown[]];
      expect(parts[0]).toMatch(/^\/aws\/vendedlogs\/states\/.+-$/);
      // The first block of the stack's GUID: a new stack, a new name.
      expect(JSON.stringify(parts[1])).toContain('"Ref":"AWS::StackId"');
    }
  });

  it("make the region's API Gateway logging role only when cdk.json's flag says so, so a landing zone's role is left alone", () => {
    const accounts = (context: Record<string, unknown>) => Object.keys(synthWith(context).template.findResources('AWS::ApiGateway::Account')).length;
    expect(accounts({ '@aws-cdk/aws-apigateway:disableCloudWatchRole': false })).toBe(1);
    expect(accounts({ '@aws-cdk/aws-apigateway:disableCloudWatchRole': true })).toBe(0);
  });

  it("let an EU stack's router call a model in another Region only through its EU inference profiles (bedrock:InferenceProfileArn)", () => {
    const { stack, template } = synthWith({ region: 'eu-west-1' });
    const routerRole = stack.getLogicalId(stack.router.function.role!.node.defaultChild as never);
    const throughProfiles = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy['Properties'].Roles).includes(routerRole))
      .flatMap((policy) => policy['Properties'].PolicyDocument.Statement as Record<string, any>[])
      .filter((statement) => JSON.stringify(statement['Resource']).includes(':bedrock:*::foundation-model/'));
    expect(throughProfiles.length).toBeGreaterThan(0);
    for (const statement of throughProfiles) {
      const profiles = JSON.stringify(statement['Condition'].StringEquals['bedrock:InferenceProfileArn']);
      expect(profiles).toMatch(/inference-profile\/eu\./);
      expect(profiles).not.toMatch(/inference-profile\/(us|global|apac)\./);
    }
  });

  it("pick the default policy of the deploy Region's geography, whose inference profiles keep prompts in it", () => {
    const modelsOf = (stack: SwitchyardStack) => [...stack.config.policy.models.keys()].filter((id) => id.startsWith('bedrock/') && !id.includes('embed'));
    const eu = synthWith({ region: 'eu-west-1' }).stack;
    expect(eu.region).toBe('eu-west-1');
    expect(eu.config.policyFile).toMatch(/default-policy\.eu\.json$/);
    expect(modelsOf(eu).every((id) => id.startsWith('bedrock/eu.'))).toBe(true);
    expect(modelsOf(synthWith({ region: 'ap-southeast-1' }).stack).filter((id) => id.includes('nova')).every((id) => id.startsWith('bedrock/apac.'))).toBe(true);
    expect(modelsOf(synthWith({ region: 'us-west-2' }).stack).filter((id) => id.includes('nova')).every((id) => id.startsWith('bedrock/us.'))).toBe(true);
    expect(synthWith({ region: 'us-east-1' }).stack.config.policyFile).toMatch(/default-policy\.json$/);
    // The CDK environment's Region when -c region is not given; a policy named outright always wins.
    const saved = process.env['CDK_DEFAULT_REGION'];
    process.env['CDK_DEFAULT_REGION'] = 'eu-central-1';
    try {
      expect(synthWith({}).stack.config.policyFile).toMatch(/default-policy\.eu\.json$/);
      expect(synthWith({ policy: join(ROOT, 'lambda/policy/default-policy.json') }).stack.config.policyFile).toMatch(/default-policy\.json$/);
    } finally {
      if (saved === undefined) delete process.env['CDK_DEFAULT_REGION'];
      else process.env['CDK_DEFAULT_REGION'] = saved;
    }
    expect(() => synthWith({ region: 'Ireland' })).toThrow(/-c region: must be an AWS Region/);
  });

  it('warn at synth about a policy model past its retirement date', () => {
    const document = testPolicyDocument();
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-retired-')), 'policy.json');
    const retired = { ...document.models['mock/small']!, retiresOn: '2026-01-31' };
    writeFileSync(file, JSON.stringify({ ...document, models: { ...document.models, 'mock/small': retired } }));
    const warningsOf = (stack: SwitchyardStack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('was retired')).map((entry) => String(entry.entry.data));
    expect(warningsOf(synthWith({ policy: file }).stack)).toEqual([expect.stringMatching(/^mock\/small was retired on 2026-01-31 \(the policy\): calls to it fail/)]);
    expect(warningsOf(synthWith({}).stack)).toEqual([]);
  });

  it('warn at synth about policy models the Region cannot call, and not about a fitting policy', () => {
    const warningsOf = (stack: SwitchyardStack) =>
      Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('may not be callable')).map((entry) => String(entry.entry.data));
    const shipped = join(ROOT, 'lambda/policy/default-policy.json');
    const mismatched = warningsOf(synthWith({ region: 'eu-west-1', policy: shipped }).stack);
    expect(mismatched).toEqual(
      expect.arrayContaining([
        expect.stringContaining('bedrock/amazon.nova-lite-v1:0 may not be callable from eu-west-1: on-demand amazon.nova-lite-v1:0 is offered in us-east-1 only; elsewhere call it through an inference profile (eu.amazon.nova-lite-v1:0)'),
      ]),
    );
    expect(warningsOf(synthWith({ region: 'eu-west-1' }).stack)).toEqual([]);
    expect(warningsOf(synthWith({ region: 'us-east-1' }).stack)).toEqual([]);
    const usInEurope = join(ROOT, 'lambda/policy/default-policy.us.json');
    expect(warningsOf(synthWith({ region: 'eu-west-1', policy: usInEurope }).stack)[0]).toContain('the us. inference profile can be called only from US Regions, not eu-west-1');
  });

  it('add a WAF web ACL with a rate rule per IP on the stage with one flag, cdk-nag clean', () => {
    const { app, stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], wafRateLimit: '1500' } });
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 1500, AggregateKeyType: 'IP' } } })]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    // A prompt full of code must not be blocked by the body rules.
    const rules = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules;
    const overrides = rules[1].Statement.ManagedRuleGroupStatement.RuleActionOverrides.map((override: { Name: string }) => override.Name);
    expect(overrides).toEqual(expect.arrayContaining(['CrossSiteScripting_BODY', 'GenericLFI_BODY', 'GenericRFI_BODY', 'EC2MetaDataSSRF_BODY', 'SizeRestrictions_BODY']));
    synthWith({}).template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    expect(() => synthWith({ wafRateLimit: '5' })).toThrow(/-c wafRateLimit: /);
  });

  it('serve a custom domain at /v1 with one flag, and refuse a certificate from another Region', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234';
    const { app, stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], region: 'eu-west-1', customDomain: `api.example.com@${certificateArn}` } });
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'api.example.com', RegionalCertificateArn: certificateArn, SecurityPolicy: 'TLS_1_2' });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: 'v1' });
    expect(() => synthWith({ region: 'us-east-1', customDomain: `api.example.com@${certificateArn}` })).toThrow(
      "The custom domain's certificate is in eu-west-1; a regional API needs one from us-east-1.",
    );
    expect(() => synthWith({ customDomain: 'api.example.com' })).toThrow(/-c customDomain: must be name@certificate-arn/);
  });
});

