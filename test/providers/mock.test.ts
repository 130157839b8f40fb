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
    expect(first).toEqual(await adapter.complete(call(500)));
    expect(first.simulated).toBe(true);
    expect(first.content).toMatch(/^\[simulated by Switchyard's mock provider/);
    expect(first.usage.input).toBe(16);
    expect(first.usage.output > 10 && first.usage.output < 100).toBeTruthy();
    expect(first.finishReason).toBe('stop');
  });

  it('respects max_tokens and reports the cut as finish_reason length', async () => {
    const result = await createMockAdapter({ provider: 'mock' }).complete(call(5));
    expect(result.usage.output).toBe(5);
    expect(result.finishReason).toBe('length');
  });

  it('waits its configured latency and gives up at the deadline', async () => {
    const adapter = createMockAdapter({ provider: 'mock', latencyMs: 200 });
    await expect(adapter.complete(call(50, AbortSignal.timeout(20)))).rejects.toMatchObject({ kind: 'timeout' });
  });
});
