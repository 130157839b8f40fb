import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { callerIdForKey, extractApiKey } from '../../lambda/core/auth';
import { handler, stageWildcard } from '../../lambda/handlers/authorizer';

const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/POST/chat/completions';
const event = (headers: Record<string, string>) => ({ type: 'REQUEST', methodArn: METHOD_ARN, headers }) as unknown as APIGatewayRequestAuthorizerEvent;

describe('API-key authorizer', () => {
  it('accepts the key as a Bearer token, as the openai SDK sends it, and hands it to the usage plan', async () => {
    const result = await handler(event({ Authorization: 'Bearer sk-team-a' }));
    assert.equal(result.usageIdentifierKey, 'sk-team-a');
    assert.equal(result.principalId, callerIdForKey('sk-team-a'));
    assert.deepEqual(result.policyDocument.Statement, [
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*' },
    ]);
  });

  it('accepts the key in x-api-key too', async () => {
    assert.equal((await handler(event({ 'x-api-key': 'sk-team-b' }))).usageIdentifierKey, 'sk-team-b');
  });

  it('answers Unauthorized (a 401 from API Gateway) when there is no key', async () => {
    await assert.rejects(handler(event({})), /^Error: Unauthorized$/);
    await assert.rejects(handler(event({ Authorization: 'Basic dXNlcjpwYXNz' })), /Unauthorized/);
  });

  it('names callers by a hash that does not reveal the key', () => {
    const id = callerIdForKey('sk-very-secret');
    assert.match(id, /^key:[0-9a-f]{16}$/);
    assert.ok(!id.includes('secret'));
    assert.equal(id, callerIdForKey('sk-very-secret'));
    assert.notEqual(id, callerIdForKey('sk-very-secret2'));
  });

  it('prefers the Bearer token and ignores blank keys', () => {
    assert.equal(extractApiKey({ authorization: 'Bearer a', 'x-api-key': 'b' }), 'a');
    assert.equal(extractApiKey({ 'X-Api-Key': '  ' }), undefined);
  });

  it('allows the whole stage so a cached answer fits every method', () => {
    assert.equal(stageWildcard(METHOD_ARN), 'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*');
  });
});
