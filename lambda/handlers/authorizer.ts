/**
 * The Lambda authorizer. Callers send their key the way the openai SDK does
 * (`Authorization: Bearer <key>`) or in `x-api-key`; no key is ever logged.
 *
 * - `managed` (the default): the key must be a managed key (`npx switchyard
 *   keys create`). Its record is read from the ledger's table by id, its hash
 *   compared, and kept for 30 s, so a revocation or a new limit takes effect
 *   within that (plus the API's authorizer cache, at most 30 s). A key it does
 *   not accept is denied, which the API answers with a 401. The caller is
 *   `key:<id>`, and the key's limits travel to the router in the context. API
 *   Gateway's usage plan applies to every managed key through one plan key,
 *   which is not a secret.
 * - `apiKey`: API Gateway checks the key itself against its usage plan; the
 *   caller is a hash of the key.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createDynamoKeyStore } from '../adapters/dynamodb/dynamodb-key-store';
import { xrayTracingFrom } from '../adapters/xray-subsegments';
import { callerIdForKey, extractApiKey } from '../core/features/auth';
import { ConfigError } from '../core/base/errors';
import { createKeyVerifier, type KeyVerifier } from '../core/features/managed-keys';
import { ENVIRONMENT } from '../contract/deployment';

type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** API Gateway turns exactly this message into a 401 (answered in OpenAI's envelope by the API's gateway responses). */
const unauthorized = () => new Error('Unauthorized');

/** Managed keys, checked by `verify`; every caller is metered under `planKey`. */
export function createManagedKeyAuthorizer(verify: KeyVerifier, planKey: string): Authorizer {
  return async (event) => {
    const presented = extractApiKey(event.headers ?? {});
    if (presented === undefined) throw unauthorized();
    const check = await verify(presented);
    // A Deny, not a throw: API Gateway then answers ACCESS_DENIED, which the API turns into a 401 that says the key is not valid.
    if (!check.ok) return decide('Deny', event, 'invalid-key', planKey, {});
    const { callerId, name, limits } = check.key;
    return decide('Allow', event, callerId, planKey, { callerId, keyName: name, keyLimits: JSON.stringify(limits) });
  };
}

/** API Gateway keys: the key goes to the usage plan, which decides. */
export const apiGatewayKeyAuthorizer: Authorizer = async (event) => {
  const key = extractApiKey(event.headers ?? {});
  if (key === undefined) throw unauthorized();
  const callerId = callerIdForKey(key);
  return decide('Allow', event, callerId, key, { callerId });
};

function decide(
  effect: 'Allow' | 'Deny',
  event: APIGatewayRequestAuthorizerEvent,
  callerId: string,
  usageKey: string,
  context: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId: callerId,
    usageIdentifierKey: usageKey,
    context,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: stageWildcard(event.methodArn) }],
    },
  };
}

/** arn:aws:execute-api:region:account:api/stage/VERB/path -> .../api/stage/*: cacheable across methods. */
export function stageWildcard(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

/** Reads the mode once, at cold start. */
export function authorizerFromEnvironment(environment: NodeJS.ProcessEnv): Authorizer {
  const mode = environment[ENVIRONMENT.authMode] ?? 'apiKey';
  if (mode === 'apiKey') return apiGatewayKeyAuthorizer;
  const tableName = environment[ENVIRONMENT.ledgerTableName];
  const planKey = environment[ENVIRONMENT.usagePlanKey];
  if (mode !== 'managed' || !tableName || !planKey) {
    throw new ConfigError(`Invalid authorizer environment: ${ENVIRONMENT.authMode} is "${mode}" (managed or apiKey); managed needs ${ENVIRONMENT.ledgerTableName} and ${ENVIRONMENT.usagePlanKey}.`);
  }
  const store = createDynamoKeyStore({ client: xrayTracingFrom(environment)(new DynamoDBClient({})), tableName });
  return createManagedKeyAuthorizer(createKeyVerifier((id) => store.get(id)), planKey);
}

let authorizer: Authorizer | undefined;

export const handler: Authorizer = (event) => {
  authorizer ??= authorizerFromEnvironment(process.env);
  return authorizer(event);
};
