import { CfnOutput, Duration, Names, Stack, Token, Validations } from 'aws-cdk-lib';
import { traceSampling } from './trace-sampling';
import {
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  DomainName,
  SecurityPolicy,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RequestAuthorizer,
  ResponseTransferMode,
  ResponseType,
  RestApi,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AuthMode } from '../deploy-config';
import { ConfigError } from '../../lambda/core/base/errors';
import { LAMBDA_ENTRIES } from '../bundling';
import { createNodeFunction } from './node-function';
import { DEFAULT_REQUEST_TIMEOUT_MS, ENVIRONMENT } from '../../lambda/contract/deployment';
import { INVALID_KEY_MESSAGE } from '../../lambda/core/features/managed-keys';
import type { CostLedger } from './cost-ledger';
import { API_SIZES } from '../deploy-config';

export interface GatewayApiProps {
  readonly router: IFunction;
  /**
   * `managed`: keys made with `npx switchyard keys`, checked by the authorizer
   * against their hashes in `ledger`. `apiKey`: API Gateway keys with a usage
   * plan. Both are sent as `Authorization: Bearer` or `x-api-key`.
   * `iam`: SigV4-signed requests.
   * @default 'managed'
   */
  readonly auth?: AuthMode;
  /** Where managed keys live; required in `managed` mode. */
  readonly ledger?: CostLedger;
  /** Stage-wide steady rate, requests per second. @default API_SIZES.throttleRateLimit (50) */
  readonly throttleRateLimit?: number;
  /** @default API_SIZES.throttleBurstLimit (100) */
  readonly throttleBurstLimit?: number;
  /** Requests per day: per key in API-key mode, for all managed keys together. @default API_SIZES.quotaPerDay (1,000,000) */
  readonly quotaPerDay?: number;
  /** API Gateway's per-method metrics (billed as custom metrics). @default false */
  readonly detailedMetrics?: boolean;
  /**
   * Authorizer cache. 0 reads the key from either header on every request;
   * more caches on `Authorization` and then requires that header. In
   * `managed` mode at most 30, so a revoked key stops working within a minute
   * (this cache, then the authorizer's own 30 s).
   * @default 0
   */
  readonly authorizerCacheSeconds?: number;
  /**
   * Integration timeout: how long one request may take, its stream included.
   * The integration streams, so API Gateway allows up to 15 minutes
   * (900000) without a quota increase; keep the router's Lambda timeout above it.
   * @default 29000
   */
  readonly requestTimeoutMs?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * A regional WAF web ACL on the stage, with a rate rule: requests per
   * five minutes from one IP address before WAF blocks it, and AWS's common rule set.
   * @default no WAF
   */
  readonly wafRateLimit?: number | undefined;
  /** The share of requests X-Ray traces, in percent: a sampling rule on the stage, which the router's trace follows. @default 1 */
  readonly traceSamplePercent?: number;
  /** Serve the API at `https://<name>/v1` too, with an ACM certificate of that Region. @default none */
  readonly customDomain?: { readonly name: string; readonly certificateArn: string } | undefined;
}

/** Stage name, and so the `/v1` that OpenAI clients expect in their base URL. */
export const STAGE_NAME = 'v1';

/**
 * The common rule set's rules that read the request body. A prompt routinely
 * holds `<script>`, `../../`, URLs and metadata addresses (code, logs, agents'
 * tool output), so these count instead of blocking.
 */
const COUNTED_BODY_RULES = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY', 'GenericLFI_BODY', 'GenericRFI_BODY', 'EC2MetaDataSSRF_BODY'];

/** Managed keys: API Gateway's authorizer cache plus the authorizer's own 30 s stay within a minute. */
const MAX_MANAGED_CACHE_SECONDS = 30;

/** API Gateway's limit on a streaming integration's timeout: 15 minutes. */
export const MAX_STREAMING_TIMEOUT_MS = 900_000;

/**
 * The public face: a regional REST API whose stage `v1` serves
 * `/chat/completions`, `/responses`, `/messages` (and `/messages/count_tokens`), `/embeddings`, `/models`, `/route` and `/usage`, all authenticated,
 * throttled, traced and access-logged (without request bodies). Every method
 * streams the router's answer (`ResponseTransferMode.STREAM`).
 */
export class GatewayApi extends Construct {
  readonly api: RestApi;
  /** The API-key authorizer's function; none in IAM mode. */
  authorizerFunction: IFunction | undefined;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);
    const auth = props.auth ?? 'managed';
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention });

    this.api = new RestApi(this, 'Api', {
      // Named after the stack, so the trace sampling rule below matches this API alone.
      restApiName: Stack.of(this).stackName,
      description: 'Switchyard: OpenAI-compatible LLM router',
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: auth === 'iam' ? ApiKeySourceType.HEADER : ApiKeySourceType.AUTHORIZER,
      // Not set here: cdk.json's @aws-cdk/aws-apigateway:disableCloudWatchRole decides whether the stack makes the
      // region's single API Gateway logging role. Where a landing zone manages that role, set the flag to true.
      deployOptions: {
        stageName: STAGE_NAME,
        tracingEnabled: true,
        // Per-method metrics are custom metrics, billed each; the API's own (5xx, 4xx, latency, count) come free and feed the alarms.
        metricsEnabled: props.detailedMetrics ?? false,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies hold prompts: never log them.
        dataTraceEnabled: false,
        throttlingRateLimit: props.throttleRateLimit ?? API_SIZES.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit ?? API_SIZES.throttleBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    traceSampling(this, `${Stack.of(this).stackName}/${STAGE_NAME}`, props.traceSamplePercent ?? 1);

    // API Gateway's own refusals (no key, throttled, unknown path, timeout) in OpenAI's error envelope too.
    for (const [type, errorType] of [
      [ResponseType.DEFAULT_4XX, 'invalid_request_error'],
      [ResponseType.DEFAULT_5XX, 'api_error'],
    ] as const) {
      this.api.addGatewayResponse(`${errorType}Response`, {
        type,
        responseHeaders: { 'x-switchyard-request-id': 'context.requestId' },
        templates: {
          'application/json':
            `{"error":{"message":$context.error.messageString,"type":"${errorType}","param":null,"code":"$context.error.responseType"}}`,
        },
      });
    }

    // A missing, unknown or revoked key is a 401 in OpenAI's envelope, as OpenAI answers it, not API Gateway's 403.
    for (const [type, code, message] of [
      [ResponseType.UNAUTHORIZED, 'missing_api_key', 'No API key: send \\"Authorization: Bearer <key>\\" or \\"x-api-key: <key>\\".'],
      [ResponseType.INVALID_API_KEY, 'invalid_api_key', 'This API key is not valid for this gateway: it is unknown, revoked or not in a usage plan.'],
      // The managed-key authorizer denies a key it does not know: a 401 too, not API Gateway's 403.
      ...(auth === 'iam' ? [] : [[ResponseType.ACCESS_DENIED, 'invalid_api_key', INVALID_KEY_MESSAGE] as const]),
    ] as const) {
      this.api.addGatewayResponse(`${type.responseType}Response`, {
        type,
        statusCode: '401',
        responseHeaders: { 'x-switchyard-request-id': 'context.requestId' },
        templates: { 'application/json': `{"error":{"message":"${message}","type":"authentication_error","param":null,"code":"${code}"}}` },
      });
    }

    const requestTimeoutMs = props.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 50 || requestTimeoutMs > MAX_STREAMING_TIMEOUT_MS) {
      throw new ConfigError(`requestTimeoutMs is ${requestTimeoutMs}; API Gateway takes 50 to ${MAX_STREAMING_TIMEOUT_MS} ms for a streaming integration.`);
    }
    const methodOptions = auth === 'iam' ? { authorizationType: AuthorizationType.IAM } : this.keyAuth(auth, props, logRetention);
    // One streaming integration for every method: the router always answers through Lambda's response
    // stream (a JSON answer is a single write), which a buffered integration would read as raw prelude
    // bytes, not a proxy result. Streaming also lifts the 29 s cap on the timeout, for long answers too.
    const integration = new LambdaIntegration(props.router, {
      proxy: true,
      responseTransferMode: ResponseTransferMode.STREAM,
      timeout: Duration.millis(requestTimeoutMs),
    });
    this.api.root.addResource('chat').addResource('completions').addMethod('POST', integration, methodOptions);
    this.api.root.addResource('responses').addMethod('POST', integration, methodOptions);
    this.api.root.addResource('embeddings').addMethod('POST', integration, methodOptions);
    // Anthropic's Messages API, for Claude Code and the Anthropic SDKs (their base URL is the API's root, without the stage).
    const messages = this.api.root.addResource('messages');
    messages.addMethod('POST', integration, methodOptions);
    messages.addResource('count_tokens').addMethod('POST', integration, methodOptions);
    this.api.root.addResource('models').addMethod('GET', integration, methodOptions);
    this.api.root.addResource('route').addMethod('POST', integration, methodOptions);
    this.api.root.addResource('usage').addMethod('GET', integration, methodOptions);
    this.api.root.addResource('feedback').addMethod('POST', integration, methodOptions);

    new CfnOutput(this, 'BaseUrl', {
      description: 'baseURL for OpenAI clients',
      value: this.api.urlForPath('/').replace(/\/$/, ''),
    });
    if (props.customDomain) this.addCustomDomain(props.customDomain);
    if (props.wafRateLimit !== undefined) this.addWaf(props.wafRateLimit);
    this.acknowledgeFindings(auth, props.wafRateLimit !== undefined);
  }

  private keyAuth(auth: 'managed' | 'apiKey', props: GatewayApiProps, logRetention: RetentionDays): MethodOptions {
    const cacheSeconds = props.authorizerCacheSeconds ?? 0;
    if (auth === 'managed' && cacheSeconds > MAX_MANAGED_CACHE_SECONDS) {
      throw new ConfigError(
        `authorizerCacheSeconds is ${cacheSeconds}; with managed keys it may be at most ${MAX_MANAGED_CACHE_SECONDS}, so a revoked key stops working within a minute.`,
      );
    }
    if (auth === 'managed' && !props.ledger) throw new ConfigError('Managed keys need the ledger table: pass "ledger" to GatewayApi.');
    const handler = createNodeFunction(this, 'Authorizer', {
      entry: LAMBDA_ENTRIES.authorizer,
      memorySize: 256,
      timeout: Duration.seconds(5),
      logGroup: new LogGroup(this, 'AuthorizerLogs', { retention: logRetention }),
      environment: { [ENVIRONMENT.authMode]: auth },
    });
    this.authorizerFunction = handler;
    const authorizer = new RequestAuthorizer(this, 'ApiKeyAuthorizer', {
      handler,
      identitySources: cacheSeconds > 0 ? ['method.request.header.Authorization'] : [],
      resultsCacheTtl: Duration.seconds(cacheSeconds),
    });

    const plan = this.api.addUsagePlan('UsagePlan', {
      description: 'Default Switchyard usage plan',
      throttle: { rateLimit: props.throttleRateLimit ?? API_SIZES.throttleRateLimit, burstLimit: props.throttleBurstLimit ?? API_SIZES.throttleBurstLimit },
      quota: { limit: props.quotaPerDay ?? API_SIZES.quotaPerDay, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    if (auth === 'managed') {
      // Every managed key is metered under this one plan key. It is not a secret: only the authorizer hands it out,
      // and only for a key it verified, so its value may sit in the template.
      const planKey = this.api.addApiKey('PlanKey', {
        description: 'Usage-plan key for all managed keys (not a secret: the authorizer decides who is let in)',
        value: `switchyard-plan-${Names.uniqueId(this)}`.slice(0, 128),
      });
      plan.addApiKey(planKey);
      handler.addEnvironment(ENVIRONMENT.usagePlanKey, `switchyard-plan-${Names.uniqueId(this)}`.slice(0, 128));
      handler.addEnvironment(ENVIRONMENT.ledgerTableName, props.ledger!.table.tableName);
      props.ledger!.grantKeyRead(handler);
      const stack = Stack.of(this);
      new CfnOutput(this, 'CreateKeyCommand', {
        description: 'Creates a first managed key',
        value: `npx switchyard keys create --stack ${stack.stackName} --region ${stack.region} --name first`,
      });
    } else {
      const key = this.api.addApiKey('DefaultKey', { description: 'First Switchyard key; add more to the usage plan' });
      plan.addApiKey(key);
      new CfnOutput(this, 'ApiKeyCommand', {
        description: 'Prints the default API key',
        value: `aws apigateway get-api-key --api-key ${key.keyId} --include-value --query value --output text --region ${Stack.of(this).region}`,
      });
    }
    return { authorizationType: AuthorizationType.CUSTOM, authorizer, apiKeyRequired: true };
  }

  /** The domain maps `/v1` to the stage, so clients keep the `/v1` their base URL ends in. */
  private addCustomDomain(domain: { readonly name: string; readonly certificateArn: string }): void {
    const { region } = Stack.of(this);
    const certificateRegion = domain.certificateArn.split(':')[3];
    if (!Token.isUnresolved(region) && certificateRegion !== region) {
      throw new ConfigError(`The custom domain's certificate is in ${certificateRegion}; a regional API needs one from ${region}. Request or import it there in ACM.`);
    }
    const custom = new DomainName(this, 'CustomDomain', {
      domainName: domain.name,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
    });
    custom.addBasePathMapping(this.api, { basePath: STAGE_NAME, stage: this.api.deploymentStage });
    new CfnOutput(this, 'CustomDomainTarget', {
      description: `Point ${domain.name} here (a CNAME, or a Route 53 alias), then use https://${domain.name}/${STAGE_NAME}`,
      value: custom.domainNameAliasDomainName,
    });
  }

  private addWaf(rateLimit: number): void {
    if (!Number.isInteger(rateLimit) || rateLimit < 10 || rateLimit > 2_000_000_000) {
      throw new ConfigError(`wafRateLimit is ${rateLimit}; WAF's rate rules take 10 to 2000000000 requests per five minutes.`);
    }
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('SwitchyardWebAcl'),
      rules: [
        {
          name: 'RatePerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('SwitchyardRatePerIp'),
        },
        {
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          // Prompts are large bodies full of code, paths and URLs by design: the body rules only count.
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: COUNTED_BODY_RULES.map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          visibilityConfig: visibility('SwitchyardCommonRules'),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: acl.attrArn });
  }

  private acknowledgeFindings(auth: AuthMode, waf: boolean): void {
    const acknowledge = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-APIG2',
      "The router validates every body against the OpenAI schema and answers in OpenAI's error format; an API Gateway validator would answer in its own format.",
    );
    if (!waf) {
      acknowledge(
        'AwsSolutions-APIG3',
        'WAF is optional (from $5/month plus per-request fees): -c wafRateLimit=N adds one. Without it the API is authenticated and throttled per stage and per key.',
      );
    }
    acknowledge(
      'AwsSolutions-COG4',
      auth === 'iam'
        ? 'Callers authenticate with IAM (SigV4).'
        : auth === 'managed'
          ? 'Callers authenticate with managed API keys (only their SHA-256 is stored) through a Lambda authorizer, the auth mode OpenAI clients support.'
          : 'Callers authenticate with API Gateway API keys through a Lambda authorizer, the auth mode OpenAI clients support.',
    );
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level CloudWatch role uses the AWS-managed AmazonAPIGatewayPushToCloudWatchLogs policy, which AWS scopes to exactly that purpose.",
    );
  }
}
