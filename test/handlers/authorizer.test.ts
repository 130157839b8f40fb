import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { callerIdForKey, extractApiKey } from '../../lambda/core/features/auth';
import { apiGatewayKeyAuthorizer as handler, authorizerFromEnvironment, stageWildcard } from '../../lambda/handlers/authorizer';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/POST/chat/completions';
const event = (headers: Record<string, string>) => ({ type: 'REQUEST', methodArn: METHOD_ARN, headers }) as unknown as APIGatewayRequestAuthorizerEvent;

describe('API Gateway key authorizer', () => {
  it('accepts the key as a Bearer token, as the openai SDK sends it, and hands it to the usage plan', async () => {
    const result = await handler(event({ Authorization: 'Bearer sk-team-a' }));
    expect(result.usageIdentifierKey).toBe('sk-team-a');
    expect(result.principalId).toBe(callerIdForKey('sk-team-a'));
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*' },
    ]);
  });

  it('accepts the key in x-api-key too', async () => {
    expect((await handler(event({ 'x-api-key': 'sk-team-b' }))).usageIdentifierKey).toBe('sk-team-b');
  });

  it('answers Unauthorized (a 401 from API Gateway) when there is no key', async () => {
    await expect(handler(event({}))).rejects.toThrow(/^Unauthorized$/);
    await expect(handler(event({ Authorization: 'Basic dXNlcjpwYXNz' }))).rejects.toThrow(/Unauthorized/);
  });

  it('names callers by a hash that does not reveal the key', () => {
    const id = callerIdForKey('sk-very-secret');
    expect(id).toMatch(/^key:[0-9a-f]{16}$/);
    expect(id).not.toContain('secret');
    expect(id).toBe(callerIdForKey('sk-very-secret'));
    expect(id).not.toBe(callerIdForKey('sk-very-secret2'));
  });

  it('prefers the Bearer token and ignores blank keys', () => {
    expect(extractApiKey({ authorization: 'Bearer a', 'x-api-key': 'b' })).toBe('a');
    expect(extractApiKey({ 'X-Api-Key': '  ' })).toBe(undefined);
  });

  it('allows the whole stage so a cached answer fits every method', () => {
    expect(stageWildcard(METHOD_ARN)).toBe('arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*');
  });
});

describe('authorizer mode', () => {
  it('is read once from the environment, and a managed one without its table or plan key is a configuration error', () => {
    expect(authorizerFromEnvironment({})).toBe(handler);
    expect(() => authorizerFromEnvironment({ AUTH_MODE: 'managed' })).toThrow('managed needs LEDGER_TABLE_NAME and USAGE_PLAN_KEY');
    expect(() => authorizerFromEnvironment({ AUTH_MODE: 'open' })).toThrow('AUTH_MODE is "open"');
    expect(typeof authorizerFromEnvironment({ AUTH_MODE: 'managed', LEDGER_TABLE_NAME: 't', USAGE_PLAN_KEY: 'p' })).toBe('function');
  });
});
