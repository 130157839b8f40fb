import { loadPolicy } from '../../lambda/policy/load-policy';
import { decideSimulation } from '../../lambda/local/local-gateway';
import { withSimulatedFaults } from '../../lambda/local/simulated-faults';
import { defaultPolicy, defaultPolicyDocument } from '../support/policies';

describe('SWITCHYARD_MOCK_FAULTS', () => {
  it('sets the named models to fail as asked', () => {
    const document = withSimulatedFaults(defaultPolicyDocument(), '{"openai/gpt-5":{"failureRate":0.25,"failures":["throttled","timeout"],"latencyMs":50}}');
    expect(loadPolicy(document).models.get('openai/gpt-5')!.simulation).toEqual({ failureRate: 0.25, failures: ['throttled', 'timeout'], latencyMs: 50 });
  });

  it('names what is wrong: not JSON, an unknown model, a bad setting', () => {
    expect(() => withSimulatedFaults(defaultPolicyDocument(), '{oops')).toThrow(/not JSON/);
    expect(() => withSimulatedFaults(defaultPolicyDocument(), '{"x/y":{}}')).toThrow(/names "x\/y", which is not a model of the policy/);
    const bad = withSimulatedFaults(defaultPolicyDocument(), '{"openai/gpt-5":{"failureRate":2}}');
    expect(() => loadPolicy(bad)).toThrow(/models\.openai\/gpt-5\.simulation\.failureRate/);
  });
});

describe('decideSimulation', () => {
  const providers = defaultPolicy().providers;
  const byProvider = (environment: NodeJS.ProcessEnv, choice: Parameters<typeof decideSimulation>[1] = 'auto') =>
    Object.fromEntries(decideSimulation(providers, choice, environment).map((status) => [status.provider, status.simulated]));

  it('simulates each provider whose credentials are missing, and only those', () => {
    expect(byProvider({})).toEqual({ bedrock: true, mock: true, openai: true });
    expect(byProvider({ AWS_PROFILE: 'dev', OPENAI_API_KEY: 'sk' })).toEqual({ bedrock: false, mock: true, openai: false });
  });

  it('obeys all, none and a list', () => {
    expect(byProvider({ OPENAI_API_KEY: 'sk' }, 'all')).toEqual({ bedrock: true, mock: true, openai: true });
    expect(byProvider({}, 'none')).toEqual({ bedrock: false, mock: true, openai: false });
    expect(byProvider({}, ['openai'])).toEqual({ bedrock: false, mock: true, openai: true });
  });
});
