import { Match } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { GatewayApi, type GatewayApiProps } from '../../lib/constructs/gateway-api';
import { CostLedger } from '../../lib/constructs/cost-ledger';
import { templateOf, testStack } from '../support/cdk';

function build(props: Omit<GatewayApiProps, 'router'> = {}) {
  const stack = testStack();
  const router = new LambdaFunction(stack, 'Router', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>{}') });
  new GatewayApi(stack, 'Gateway', { router, ledger: new CostLedger(stack, 'Ledger'), ...props });
  return templateOf(stack);
}

const methodsOf = (template: ReturnType<typeof build>) => Object.values(template.findResources('AWS::ApiGateway::Method')).map((method) => method.Properties);

describe('GatewayApi', () => {
  it('serves the nine endpoints on stage v1, traced, access-logged, throttled and without body logging', () => {
    const template = build();
    expect(methodsOf(template).map((method) => method.HttpMethod).sort()).toEqual(['GET', 'GET', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST']);
    const parts = Object.values(template.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart);
    expect(parts.sort()).toEqual(['chat', 'completions', 'count_tokens', 'embeddings', 'feedback', 'messages', 'models', 'responses', 'route', 'usage']);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ DataTraceEnabled: false, LoggingLevel: 'ERROR', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })],
    });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('with managed keys (the default), checks keys in the authorizer, which reads only key records, and meters them under one plan key', () => {
    const template = build({ quotaPerDay: 5000 });
    for (const method of methodsOf(template)) expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    const [planKey] = Object.values(template.findResources('AWS::ApiGateway::ApiKey')).map((key) => key.Properties.Value);
    expect(planKey).toMatch(/^switchyard-plan-/);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 5000, Period: 'DAY' } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTH_MODE: 'managed', USAGE_PLAN_KEY: planKey, LEDGER_TABLE_NAME: Match.anyValue() }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:GetItem', Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['APIKEY'] } } }),
        ]),
      },
    });
    // A key the authorizer denies is a 401 that says the key is not valid.
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '401',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('unknown, revoked or expired') },
    });
  });

  it('keeps the authorizer cache short enough with managed keys that a revocation lands within a minute', () => {
    expect(() => build({ authorizerCacheSeconds: 31 })).toThrow('authorizerCacheSeconds is 31; with managed keys it may be at most 30');
    expect(() => build({ auth: 'apiKey', authorizerCacheSeconds: 300 })).not.toThrow();
  });

  it('in API-key mode, requires a key on every method through the authorizer, with a usage plan', () => {
    const template = build({ auth: 'apiKey', quotaPerDay: 5000, throttleRateLimit: 7, throttleBurstLimit: 9 });
    for (const method of methodsOf(template)) {
      expect(method.AuthorizationType).toBe('CUSTOM');
      expect(method.ApiKeyRequired).toBe(true);
      expect(method.AuthorizerId).toBeTruthy();
    }
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', AuthorizerResultTtlInSeconds: 0, IdentitySource: '' });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Quota: { Limit: 5000, Period: 'DAY' },
      Throttle: { RateLimit: 7, BurstLimit: 9 },
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
  });

  it('caches the authorizer on the Authorization header when asked', () => {
    build({ authorizerCacheSeconds: 30 }).hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 30,
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  it('in IAM mode, requires SigV4 on every method and creates no authorizer or key', () => {
    const template = build({ auth: 'iam' });
    for (const method of methodsOf(template)) expect(method.AuthorizationType).toBe('AWS_IAM');
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    expect(Object.keys(template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: 'ACCESS_DENIED' } }))).toEqual([]);
  });

  it('leaves no method open', () => {
    for (const auth of ['managed', 'apiKey', 'iam'] as const) {
      for (const method of methodsOf(build({ auth }))) expect(method.AuthorizationType).not.toBe('NONE');
    }
  });

  it('answers a missing, unknown or revoked key with a 401 in OpenAI\'s envelope, not a 403', () => {
    const template = build();
    for (const [type, code] of [['UNAUTHORIZED', 'missing_api_key'], ['INVALID_API_KEY', 'invalid_api_key']]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '401',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"type":"authentication_error","param":null,"code":"${code}"`) },
      });
    }
    // Each template is valid JSON once API Gateway has filled it in.
    const templates = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).filter((response) => response.Properties.StatusCode === '401');
    for (const response of templates) expect(() => JSON.parse(response.Properties.ResponseTemplates['application/json'])).not.toThrow();
  });

  it("answers API Gateway's own 4xx and 5xx in OpenAI's error envelope", () => {
    const template = build();
    for (const [type, errorType] of [['DEFAULT_4XX', 'invalid_request_error'], ['DEFAULT_5XX', 'api_error']]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`"error":\\{"message":\\$context.error.messageString,"type":"${errorType}"`) },
      });
    }
  });

  it('uses the configured integration timeout', () => {
    const template = build({ requestTimeoutMs: 20_000 });
    for (const method of methodsOf(template)) expect(method.Integration.TimeoutInMillis).toBe(20_000);
  });

  it('streams every method from the router, invoked with InvokeWithResponseStream', () => {
    const methods = methodsOf(build());
    expect(methods.length).toBe(9);
    for (const method of methods) {
      expect(method.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', ResponseTransferMode: 'STREAM' });
      expect(JSON.stringify(method.Integration.Uri)).toMatch(/:lambda:path\/2021-11-15\/functions\/".*"\/response-streaming-invocations"/);
    }
  });

  it('takes a timeout past 29 s, which a streaming integration allows up to 15 minutes, and refuses one beyond', () => {
    for (const method of methodsOf(build({ requestTimeoutMs: 300_000 }))) expect(method.Integration.TimeoutInMillis).toBe(300_000);
    expect(() => build({ requestTimeoutMs: 900_001 })).toThrow(/requestTimeoutMs is 900001; API Gateway takes 50 to 900000 ms/);
  });
});
