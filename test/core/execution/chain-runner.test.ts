import { buildAttemptRecord } from '../../../lambda/core/execution/attempt';
import { runChain, type ChainTrial } from '../../../lambda/core/execution/chain-runner';
import { createMemoryLedger, type Ledger } from '../../../lambda/core/accounting/ledger';
import { BudgetExceededError, ChainFailedError, ProviderError } from '../../../lambda/core/base/errors';
import type { ModelSpec } from '../../../lambda/policy/policy';
import { testPolicy } from '../../support/policies';
import { usage } from '../../support/scripted-providers';

const policy = testPolicy();
const chain = policy.tiers[1]; // mock/medium, then mock/large
const request = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 100 };
const context = { requestId: 'r', callerId: 'c', tier: 1 as const, route: null, deadline: Date.now() + 10_000 };
const failure = (kind: ConstructorParameters<typeof ProviderError>[0]) => new ProviderError(kind, `scripted ${kind}`, { provider: 'mock', model: chain[0]!.id });

/** A ledger that counts its reads; `taken` records an attempt as a real one would. */
function harness() {
  const memory = createMemoryLedger();
  let reads = 0;
  const ledger: Ledger = { ...memory, recordsFor: async (requestId) => ((reads += 1), memory.recordsFor(requestId)) };
  const taken = async (model: ModelSpec, number: number, outcome: 'unavailable' | 'provider_auth' = 'unavailable') => {
    const ending = { outcome, usage: usage(1, 0), simulated: false, estimated: false };
    await memory.record([buildAttemptRecord({ model, context, number, startedAt: 0, endedAt: 1, ending }, policy.flagship)]);
  };
  return { dependencies: { ledger, policy }, reads: () => reads, taken };
}

describe('runChain', () => {
  it('answers from the first try with the records the answer holds, reading no ledger and walking nowhere', async () => {
    const { dependencies, reads } = harness();
    const walkRest = jest.fn();
    const trial: ChainTrial<string> = {
      tryCandidate: async (model, _request, _context, attemptNumber) => `${await attemptNumber()} ${model.id}`,
      walkRest,
      knownRecords: () => [],
    };
    expect(await runChain(chain, request, context, trial, dependencies)).toEqual({ ok: true, answer: '1 mock/medium', records: [] });
    expect([reads(), walkRest.mock.calls.length]).toEqual([0, 0]);
  });

  it("walks the rest after a failure that allows it, numbering after the first try, and reads the request's records", async () => {
    const { dependencies, reads, taken } = harness();
    const trial: ChainTrial<string> = {
      async tryCandidate(model, _request, _context, attemptNumber) {
        await taken(model, await attemptNumber());
        throw failure('content_filter');
      },
      walkRest: async (plan) => ({ status: 'answered', answer: `${plan.input.attemptOffset} ${plan.input.candidates[plan.input.cursor.index]}` }),
      knownRecords: () => undefined,
    };
    const run = await runChain(chain, request, context, trial, dependencies);
    expect(run).toMatchObject({ ok: true, answer: '1 mock/large', records: [{ attempt: 1, model: 'mock/medium', outcome: 'unavailable' }] });
    expect(reads()).toBe(1);
  });

  it('ends without a walk on a failure that ends the chain, with the error chainError names for it', async () => {
    const { dependencies, taken } = harness();
    const walkRest = jest.fn();
    const trial: ChainTrial<string> = {
      async tryCandidate(model, _request, _context, attemptNumber) {
        await taken(model, await attemptNumber());
        throw failure('rejected');
      },
      walkRest,
      knownRecords: () => undefined,
    };
    const run = await runChain(chain, request, context, trial, dependencies);
    expect(run).toMatchObject({ ok: false, error: { name: 'Switchyard.ProviderRejected', model: 'mock/medium' }, records: [{ attempt: 1 }] });
    expect(walkRest).not.toHaveBeenCalled();
  });

  it('reads no ledger when the first candidate was refused before it took a number and nothing walked', async () => {
    const { dependencies, reads } = harness();
    const trial: ChainTrial<string> = {
      tryCandidate: async () => Promise.reject(BudgetExceededError.noRoom('global', new Date())),
      walkRest: jest.fn(),
      knownRecords: () => undefined,
    };
    const run = await runChain(chain, request, context, trial, dependencies);
    expect(run).toMatchObject({ ok: false, error: { name: 'Switchyard.BudgetExceeded' }, records: [] });
    expect(reads()).toBe(0);
  });

  it('ends a chain without a walk (embeddings) at its first failure, transient or not, as a chain whose candidates all failed', async () => {
    const { dependencies, taken } = harness();
    const tries: string[] = [];
    const trial: ChainTrial<string> = {
      async tryCandidate(model, _request, _context, attemptNumber) {
        tries.push(model.id);
        await taken(model, await attemptNumber());
        throw failure('unavailable');
      },
      knownRecords: () => undefined,
    };
    const run = await runChain(chain.slice(0, 1), request, context, trial, dependencies);
    expect(run.ok).toBe(false);
    expect(!run.ok && run.error).toBeInstanceOf(ChainFailedError);
    expect(!run.ok && run.error.message).toBe('Every model in the chain failed.');
    expect(tries).toEqual(['mock/medium']);
  });

  it("says to check the provider's credentials when one refused them or there were none", async () => {
    const { dependencies, taken } = harness();
    const trial: ChainTrial<string> = {
      async tryCandidate(model, _request, _context, attemptNumber) {
        await taken(model, await attemptNumber(), 'provider_auth');
        throw failure('provider_auth');
      },
      knownRecords: () => undefined,
    };
    const run = await runChain(chain.slice(0, 1), request, context, trial, dependencies);
    expect(!run.ok && run.error.message).toBe(
      "Every model in the chain failed. A provider refused the gateway's credentials or it had none (provider_auth): check the provider's key, for Bedrock the AWS credentials and Region.",
    );
  });

  it('rethrows what is not an attempt failure: a fault of the code, not of a candidate', async () => {
    const { dependencies } = harness();
    const trial: ChainTrial<string> = { tryCandidate: async () => Promise.reject(new TypeError('a bug')), knownRecords: () => undefined };
    await expect(runChain(chain, request, context, trial, dependencies)).rejects.toThrow(TypeError);
  });
});
