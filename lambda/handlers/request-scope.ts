/**
 * Request-scoped log keys without mutating a shared logger.
 *
 * Powertools' `injectLambdaContext` stores the Lambda context on the Logger
 * itself, which is right for one invocation at a time but wrong wherever
 * invocations overlap in one process (local mode serves many requests at
 * once): the last request to start stamps its id on everyone's lines. Here
 * each invocation enters its own async scope, and a scoped `Log` reads the
 * keys of the scope it is called from, so one Logger serves every request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';
import type { Log } from '../core/base/telemetry';

/** The keys every line of one invocation carries, named as Powertools names them. */
export interface RequestKeys {
  readonly cold_start: boolean;
  readonly function_name: string;
  readonly function_arn?: string;
  readonly function_memory_size?: number;
  readonly function_request_id: string;
  /** The API's request id (API Gateway's, or the fallback workflow's). */
  readonly requestId?: string;
}

const scope = new AsyncLocalStorage<RequestKeys>();

/** Runs one invocation with its keys; every scoped log line inside carries them. */
export function inRequestScope<T>(keys: RequestKeys, work: () => Promise<T>): Promise<T> {
  return scope.run(keys, work);
}

/** The keys of the invocation this is called from; none outside one. */
export function currentRequestKeys(): RequestKeys | undefined {
  return scope.getStore();
}

/** A `Log` that adds the current invocation's keys; a line's own fields win. */
export function requestScopedLog(base: Log): Log {
  return {
    info: (message, fields) => base.info(message, { ...scope.getStore(), ...fields }),
    error: (message, fields) => base.error(message, { ...scope.getStore(), ...fields }),
  };
}

/** The Lambda context's keys, as `injectLambdaContext` would have added them. */
export function lambdaContextKeys(context: Context, coldStart: boolean, requestId?: string): RequestKeys {
  const memory = Number(context.memoryLimitInMB);
  return {
    cold_start: coldStart,
    function_name: context.functionName,
    ...(context.invokedFunctionArn ? { function_arn: context.invokedFunctionArn } : {}),
    ...(Number.isFinite(memory) && memory > 0 ? { function_memory_size: memory } : {}),
    function_request_id: context.awsRequestId,
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/** True for the first call only: a cold start, per handler instance. */
export function coldStartTracker(): () => boolean {
  let cold = true;
  return () => {
    const wasCold = cold;
    cold = false;
    return wasCold;
  };
}
