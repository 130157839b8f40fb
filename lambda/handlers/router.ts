/**
 * The router Lambda's entry point: reads its environment once at cold start
 * and serves through the shared handler, falling back on the Step Functions
 * workflow.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createStepFunctionsFallback } from '../adapters/step-functions-fallback';
import { createStepFunctionsShadowDispatcher } from '../adapters/step-functions-shadow-dispatcher';
import { xrayTracingFrom } from '../adapters/xray-subsegments';
import { ConfigError } from '../core/base/errors';
import { createGateway } from '../core/gateway/create-gateway';
import { buildAwsDependencies } from './aws-dependencies';
import { createRouterHandler, type RouterHandler, type RouterRuntime } from './create-router-handler';
import { ENVIRONMENT } from '../contract/deployment';
import { requestScopedLog } from './request-scope';
import { streamifyResponse } from './response-stream';
import { readRuntimeConfig, type RuntimeConfig } from './runtime-config';

export async function startFromEnvironment(config: RuntimeConfig, logger: Logger, metrics: Metrics): Promise<RouterRuntime> {
  if (!config.fallbackStateMachineArn) throw new ConfigError(`Invalid router environment: ${ENVIRONMENT.fallbackStateMachineArn} is not set`);
  const trace = xrayTracingFrom(process.env);
  const dependencies = await buildAwsDependencies(config, requestScopedLog(logger), metrics, trace);
  const stepFunctions = trace(new SFNClient({}));
  const fallback = createStepFunctionsFallback({ client: stepFunctions, stateMachineArn: config.fallbackStateMachineArn });
  const shadows = config.shadowStateMachineArn
    ? createStepFunctionsShadowDispatcher({ client: stepFunctions, stateMachineArn: config.shadowStateMachineArn, log: dependencies.log })
    : undefined;
  return { gateway: createGateway({ ...dependencies, fallback, shadows }), requestTimeoutMs: config.requestTimeoutMs };
}

const logger = new Logger();
const metrics = new Metrics({ namespace: 'Switchyard', serviceName: 'router' });

/** The Lambda entry point, marked for response streaming: API Gateway invokes it with InvokeWithResponseStream. */
export const handler: RouterHandler = streamifyResponse(
  createRouterHandler({
    start: () => startFromEnvironment(readRuntimeConfig(process.env), logger, metrics),
    logger,
    metrics,
  }),
);
