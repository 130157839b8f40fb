import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../lambda/core/errors';
import { readRuntimeConfig } from '../../lambda/handlers/runtime-config';
import { DEFAULT_POLICY_FILE } from '../../lambda/local/local-gateway';

describe('readRuntimeConfig', () => {
  it('reads and validates the environment once, with defaults', () => {
    const config = readRuntimeConfig({ LEDGER_TABLE_NAME: 'ledger', POLICY_FILE: DEFAULT_POLICY_FILE });
    assert.equal(config.ledgerTableName, 'ledger');
    assert.equal(config.requestTimeoutMs, 29_000);
    assert.equal(config.ledgerRetentionDays, 90);
    assert.equal(config.providerSecretArn, undefined);
    assert.ok(config.policy.models.size > 0);
  });

  it('names every bad variable', () => {
    assert.throws(
      () => readRuntimeConfig({ REQUEST_TIMEOUT_MS: '5', PROVIDER_SECRET_ARN: 'my-secret', POLICY_FILE: DEFAULT_POLICY_FILE }),
      (error: unknown) =>
        error instanceof ConfigError && /LEDGER_TABLE_NAME/.test(error.message) && /REQUEST_TIMEOUT_MS/.test(error.message) && /PROVIDER_SECRET_ARN/.test(error.message),
    );
  });

  it('says which policy file it could not read', () => {
    assert.throws(() => readRuntimeConfig({ LEDGER_TABLE_NAME: 'l', POLICY_FILE: '/nope/policy.json' }), /Cannot read the routing policy \/nope\/policy.json/);
  });
});
