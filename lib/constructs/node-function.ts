import { Stack, Tags, Validations, type Duration } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ESBUILD_OPTIONS, LAMBDA_ENTRIES } from '../bundling';
import { PART_TAG } from '../deploy-config';
import { BUNDLED_POLICY_FILE } from '../../lambda/contract/deployment';

export interface NodeFunctionProps {
  readonly entry: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logGroup: ILogGroup;
  readonly environment?: Readonly<Record<string, string>>;
  readonly commandHooks?: ICommandHooks;
  /**
   * The on-failure destination of asynchronous invocations (a scheduled function's). Without
   * one the function must only ever be invoked synchronously.
   * @default none: invoked synchronously (API Gateway, Step Functions)
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * Whether the function starts traces of its own. A function that no traced
   * request calls (a stream's or a schedule's) would trace nearly every
   * invocation under Lambda's fixed sampling, so it passes through instead.
   * @default true: it traces what its caller sampled
   */
  readonly traced?: boolean;
}

/** Bundling hooks that put the routing policy beside the handler, as `policy.json`. */
export function withPolicyFile(policyFile: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_input, outputDir) => [`cp "${policyFile}" "${outputDir}/${BUNDLED_POLICY_FILE}"`],
  };
}

/**
 * The one way Switchyard builds a Lambda function: latest Node runtime on
 * arm64, a minified esbuild bundle with its source map beside it (AWS SDK
 * included, so its version is pinned), X-Ray tracing, an explicit log group,
 * and a `switchyard:part` tag naming what it is (the router, the authorizer…):
 * the cost audit reads it from the template, and Cost Explorer can split the
 * bill by it once the tag is activated for cost allocation.
 */
export function createNodeFunction(scope: Construct, id: string, props: NodeFunctionProps): NodejsFunction {
  const fn = new NodejsFunction(scope, id, {
    entry: props.entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    tracing: props.traced === false ? Tracing.PASS_THROUGH : Tracing.ACTIVE,
    logGroup: props.logGroup,
    // JSON lines, and of Lambda's own only warnings: its START, END and REPORT lines for every invocation are bytes billed and never read.
    loggingFormat: LoggingFormat.JSON,
    systemLogLevelV2: SystemLogLevel.WARN,
    applicationLogLevelV2: ApplicationLogLevel.INFO,
    // Source maps ship beside the bundle but are off: --enable-source-maps costs every cold start (npm run bench, section c).
    // Set NODE_OPTIONS=--enable-source-maps on a function to read mapped stack traces while debugging.
    ...(props.environment ? { environment: { ...props.environment } } : {}),
    ...(props.deadLetterQueue ? { onFailure: new SqsDestination(props.deadLetterQueue), retryAttempts: 2 } : {}),
    bundling: {
      minify: ESBUILD_OPTIONS.minify,
      sourceMap: ESBUILD_OPTIONS.sourcemap,
      target: ESBUILD_OPTIONS.target,
      mainFields: ESBUILD_OPTIONS.mainFields,
      format: OutputFormat.CJS,
      externalModules: [],
      ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
    },
  });
  const part = Object.entries(LAMBDA_ENTRIES).find(([, entry]) => entry === props.entry)?.[0];
  if (part) Tags.of(fn).add(PART_TAG, part, { includeResourceTypes: ['AWS::Lambda::Function'] });
  const acknowledge = (ruleId: string, reason: string) => Validations.of(fn).acknowledge({ id: ruleId, reason });
  acknowledge(
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'AWSLambdaBasicExecutionRole allows only creating log streams and writing log events.',
  );
  acknowledge('AwsSolutions-IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.');
  if (props.traced === false) acknowledge('Serverless-LambdaTracing', 'No traced request calls it (a stream or a schedule does): Lambda would trace nearly every invocation, billed, for no request.');
  acknowledge(
    'Serverless-LambdaDLQ',
    props.deadLetterQueue
      ? 'Failed asynchronous invocations go to an on-failure destination (the same queue), which also carries the error.'
      : 'API Gateway or Step Functions invoke this function synchronously; a dead-letter queue only applies to asynchronous invocations.',
  );
  return fn;
}

/**
 * Acknowledges, on `scope`, the one wildcard that granting invoke on `fn`
 * brings: its ARN with `:*`, for its versions and aliases.
 */
export function acknowledgeInvokeGrant(scope: IConstruct, fn: NodejsFunction, reason: string): void {
  const stack = Stack.of(fn);
  const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnFunction)) as string;
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`, reason });
}
