import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lambda/core/errors';
import { loadPolicy } from '../../lambda/core/policy';
import { decideSimulation } from '../../lambda/local/local-gateway';
import { withSimulatedFaults } from '../../lambda/local/simulated-faults';
import { defaultPolicy, defaultPolicyDocument } from '../support/policies';

describe('SWITCHYARD_MOCK_FAULTS', () => {
  it('sets the named models to fail as asked', () => {
    const document = withSimulatedFaults(defaultPolicyDocument(), '{"openai/gpt-5":{"failureRate":0.25,"failures":["throttled","timeout"],"latencyMs":50}}');
    assert.deepEqual(loadPolicy(document).models.get('openai/gpt-5')!.simulation, { failureRate: 0.25, failures: ['throttled', 'timeout'], latencyMs: 50 });
  });

  it('names what is wrong: not JSON, an unknown model, a bad setting', () => {
    assert.throws(() => withSimulatedFaults(defaultPolicyDocument(), '{oops'), (error: unknown) => error instanceof ConfigError && /not JSON/.test(error.message));
    assert.throws(() => withSimulatedFaults(defaultPolicyDocument(), '{"x/y":{}}'), /names "x\/y", which is not a model of the policy/);
    const bad = withSimulatedFaults(defaultPolicyDocument(), '{"openai/gpt-5":{"failureRate":2}}');
    assert.throws(() => loadPolicy(bad), /models\.openai\/gpt-5\.simulation\.failureRate/);
  });
});

describe('decideSimulation', () => {
  const providers = defaultPolicy().providers;
  const byProvider = (environment: NodeJS.ProcessEnv, choice: Parameters<typeof decideSimulation>[1] = 'auto') =>
    Object.fromEntries(decideSimulation(providers, choice, environment).map((status) => [status.provider, status.simulated]));

  it('simulates each provider whose credentials are missing, and only those', () => {
    assert.deepEqual(byProvider({}), { bedrock: true, mock: true, openai: true });
    assert.deepEqual(byProvider({ AWS_PROFILE: 'dev', OPENAI_API_KEY: 'sk' }), { bedrock: false, mock: true, openai: false });
  });

  it('obeys all, none and a list', () => {
    assert.deepEqual(byProvider({ OPENAI_API_KEY: 'sk' }, 'all'), { bedrock: true, mock: true, openai: true });
    assert.deepEqual(byProvider({}, 'none'), { bedrock: false, mock: true, openai: false });
    assert.deepEqual(byProvider({}, ['openai']), { bedrock: false, mock: true, openai: true });
  });
});
