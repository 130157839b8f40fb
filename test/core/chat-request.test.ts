import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChatRequest } from '../../lambda/core/chat-request';
import { CallerError } from '../../lambda/core/errors';
import { testPolicy } from '../support/policies';

const limits = testPolicy().limits;
const valid = { model: 'auto', messages: [{ role: 'user', content: 'Hello' }] };

function rejection(body: unknown, raw = false): CallerError {
  try {
    parseChatRequest(raw ? (body as string) : JSON.stringify(body), limits);
  } catch (error) {
    assert.ok(error instanceof CallerError, `expected a CallerError, got ${String(error)}`);
    return error;
  }
  assert.fail('the request was accepted');
}

describe('parseChatRequest', () => {
  it('accepts a minimal OpenAI request', () => {
    const request = parseChatRequest(JSON.stringify(valid), limits);
    assert.deepEqual(request.messages, [{ role: 'user', content: 'Hello' }]);
    assert.equal(request.maxTokens, undefined);
  });

  it('maps developer messages to system and joins text parts', () => {
    const request = parseChatRequest(
      JSON.stringify({
        model: 'auto',
        messages: [
          { role: 'developer', content: 'Be terse.' },
          { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        ],
        max_completion_tokens: 50,
        stop: 'END',
        metadata: { tier: 2 },
      }),
      limits,
    );
    assert.deepEqual(request.messages, [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'one\ntwo' },
    ]);
    assert.equal(request.maxTokens, 50);
    assert.deepEqual(request.stop, ['END']);
    assert.equal(request.metadata['tier'], '2');
  });

  it('rejects malformed JSON with the parser position', () => {
    const error = rejection('{"model": "auto", "messages": [', true);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_json');
    assert.match(error.message, /not valid JSON/);
  });

  it('rejects an empty body and a body that is not an object', () => {
    assert.equal(rejection('', true).code, 'invalid_json');
    assert.match(rejection([1, 2]).message, /must be a JSON object/);
  });

  it('rejects an oversize body with 413 before parsing it', () => {
    const error = rejection(`{"x":"${'a'.repeat(limits.maxBodyBytes)}"}`, true);
    assert.equal(error.status, 413);
    assert.match(error.message, /limit is 1048576 bytes/);
  });

  it('names the field of a wrong type', () => {
    const error = rejection({ ...valid, temperature: 'hot' });
    assert.equal(error.param, 'temperature');
    assert.match(error.message, /"temperature" must be a number/);
  });

  it('names a missing field', () => {
    const error = rejection({ model: 'auto' });
    assert.equal(error.param, 'messages');
    assert.match(error.message, /"messages" is required/);
  });

  it('names a bad role and lists the valid ones', () => {
    const error = rejection({ model: 'auto', messages: [{ role: 'bot', content: 'hi' }] });
    assert.equal(error.param, 'messages[0].role');
    assert.match(error.message, /must be one of "system", "developer", "user", "assistant"/);
  });

  it('rejects empty message lists and empty messages', () => {
    assert.match(rejection({ model: 'auto', messages: [] }).message, /at least one message/);
    const error = rejection({ model: 'auto', messages: [{ role: 'user', content: '  ' }] });
    assert.equal(error.param, 'messages[0].content');
  });

  it('rejects out-of-range numbers', () => {
    assert.match(rejection({ ...valid, top_p: 1.5 }).message, /"top_p" must be at most 1/);
    assert.equal(rejection({ ...valid, max_tokens: 0 }).param, 'max_tokens');
    assert.equal(rejection({ ...valid, max_tokens: 2.5 }).param, 'max_tokens');
  });

  it('enforces the policy caps on max_tokens and message count', () => {
    const tooMany = rejection({ ...valid, max_tokens: limits.maxTokens + 1 });
    assert.match(tooMany.message, /"max_tokens" is 16385; the limit is 16384/);
    const messages = Array.from({ length: limits.maxMessages + 1 }, () => ({ role: 'user', content: 'x' }));
    assert.match(rejection({ model: 'auto', messages }).message, /the limit is 256/);
  });

  it('refuses streaming, tools and images with advice instead of ignoring them', () => {
    assert.match(rejection({ ...valid, stream: true }).message, /streaming is not supported yet/);
    assert.equal(rejection({ ...valid, tools: [{ type: 'function' }] }).param, 'tools');
    const image = rejection({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] });
    assert.equal(image.param, 'messages[0].content[0]');
    assert.equal(rejection({ model: 'auto', messages: [{ role: 'tool', content: 'x' }] }).code, 'unsupported_parameter');
  });

  it('accepts stream: false and n: 1', () => {
    assert.doesNotThrow(() => parseChatRequest(JSON.stringify({ ...valid, stream: false, n: 1 }), limits));
    assert.equal(rejection({ ...valid, n: 2 }).param, 'n');
  });
});
