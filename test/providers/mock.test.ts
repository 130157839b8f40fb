import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../lambda/core/errors';
import { createMockAdapter } from '../../lambda/providers/mock';
import { testPolicy } from '../support/policies';

const model = testPolicy().models.get('mock/medium')!;
const call = (maxTokens: number, signal = AbortSignal.timeout(1000)) => ({
  model,
  messages: [{ role: 'user' as const, content: 'Tell me a short story about a lighthouse keeper.' }],
  maxTokens,
  temperature: undefined,
  topP: undefined,
  stop: undefined,
  signal,
});

describe('mock provider', () => {
  it('answers deterministically, labelled as simulated, with usage shaped like a real model', async () => {
    const adapter = createMockAdapter({ provider: 'mock' });
    const first = await adapter.complete(call(500));
    assert.deepEqual(first, await adapter.complete(call(500)));
    assert.equal(first.simulated, true);
    assert.match(first.content, /^\[simulated by Switchyard's mock provider/);
    assert.equal(first.usage.input, 16);
    assert.ok(first.usage.output > 10 && first.usage.output < 100);
    assert.equal(first.finishReason, 'stop');
  });

  it('respects max_tokens and reports the cut as finish_reason length', async () => {
    const result = await createMockAdapter({ provider: 'mock' }).complete(call(5));
    assert.equal(result.usage.output, 5);
    assert.equal(result.finishReason, 'length');
  });

  it('waits its configured latency and gives up at the deadline', async () => {
    const adapter = createMockAdapter({ provider: 'mock', latencyMs: 200 });
    await assert.rejects(adapter.complete(call(50, AbortSignal.timeout(20))), (error: unknown) => error instanceof ProviderError && error.kind === 'timeout');
  });
});
