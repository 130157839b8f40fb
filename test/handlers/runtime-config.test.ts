import { ConfigError } from '../../lambda/core/base/errors';
import { readRuntimeConfig } from '../../lambda/handlers/runtime-config';
import { DEFAULT_POLICY_FILE } from '../../lambda/policy/policy-file';

describe('readRuntimeConfig', () => {
  it('reads and validates the environment once, with defaults', () => {
    const config = readRuntimeConfig({ LEDGER_TABLE_NAME: 'ledger', POLICY_FILE: DEFAULT_POLICY_FILE });
    expect(config.ledgerTableName).toBe('ledger');
    expect(config.requestTimeoutMs).toBe(29_000);
    expect(config.ledgerRetentionDays).toBe(90);
    expect(config.providerSecretArns).toEqual({});
    expect(config.policy.models.size).toBeGreaterThan(0);
  });

  it('names every bad variable', () => {
    expect(() => readRuntimeConfig({ REQUEST_TIMEOUT_MS: '5', PROVIDER_SECRET_ARNS: 'not json', POLICY_FILE: DEFAULT_POLICY_FILE })).toThrow(ConfigError);
    expect(() => readRuntimeConfig({ REQUEST_TIMEOUT_MS: '5', PROVIDER_SECRET_ARNS: 'not json', POLICY_FILE: DEFAULT_POLICY_FILE })).toThrow(
      /LEDGER_TABLE_NAME[^]*REQUEST_TIMEOUT_MS|REQUEST_TIMEOUT_MS[^]*LEDGER_TABLE_NAME/,
    );
    expect(() => readRuntimeConfig({ REQUEST_TIMEOUT_MS: '5', PROVIDER_SECRET_ARNS: 'not json', POLICY_FILE: DEFAULT_POLICY_FILE })).toThrow(/PROVIDER_SECRET_ARNS/);
  });

  it('reads the provider secrets as key names to ARNs, and refuses anything else', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:openai-AbCdEf';
    const config = readRuntimeConfig({ LEDGER_TABLE_NAME: 'l', POLICY_FILE: DEFAULT_POLICY_FILE, PROVIDER_SECRET_ARNS: JSON.stringify({ OPENAI_API_KEY: arn }) });
    expect(config.providerSecretArns).toEqual({ OPENAI_API_KEY: arn });
    expect(() => readRuntimeConfig({ LEDGER_TABLE_NAME: 'l', POLICY_FILE: DEFAULT_POLICY_FILE, PROVIDER_SECRET_ARNS: '{"OPENAI_API_KEY":"sk-oops"}' })).toThrow(
      /PROVIDER_SECRET_ARNS\.OPENAI_API_KEY must be a secret ARN/,
    );
  });

  it('says which policy file it could not read', () => {
    expect(() => readRuntimeConfig({ LEDGER_TABLE_NAME: 'l', POLICY_FILE: '/nope/policy.json' })).toThrow(/Cannot read the routing policy \/nope\/policy.json/);
  });
});
