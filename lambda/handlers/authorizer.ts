/**
 * API-key authorizer. It lets callers send their API Gateway key the way the
 * openai SDK does (`Authorization: Bearer <key>`) as well as in `x-api-key`,
 * and hands it to API Gateway as `usageIdentifierKey`. API Gateway itself then
 * checks that the key exists and applies its usage plan, so this function
 * holds no key list and never logs a key.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { callerIdForKey, extractApiKey } from '../core/auth';

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const key = extractApiKey(event.headers ?? {});
  // API Gateway turns exactly this message into a 401.
  if (key === undefined) throw new Error('Unauthorized');
  const callerId = callerIdForKey(key);
  return {
    principalId: callerId,
    usageIdentifierKey: key,
    context: { callerId },
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
    },
  };
}

/** arn:aws:execute-api:region:account:api/stage/VERB/path -> .../api/stage/*: cacheable across methods. */
export function stageWildcard(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}
