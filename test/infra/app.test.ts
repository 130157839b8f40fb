import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createSwitchyardApp } from '../../lib/app';
import { unbundledApp } from '../support/cdk';
import { testPolicyDocument } from '../support/policies';

const ROOT = join(__dirname, '..', '..');

describe('the Switchyard app under cdk-nag (AwsSolutions and Serverless)', () => {
  for (const auth of ['apiKey', 'iam']) {
    it(`synthesises with every finding acknowledged, in ${auth} mode`, () => {
      const { app, stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], auth } });
      assert.doesNotThrow(() => app.synth());
      Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', auth === 'apiKey' ? 4 : 3);
    });
  }

  it('fails synthesis on an unacknowledged finding, so the check above is not vacuous', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Careless');
    new LambdaFunction(stack, 'Bare', { runtime: Runtime.NODEJS_20_X, handler: 'index.handler', code: Code.fromInline('exports.handler=()=>{}') });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    assert.throws(() => app.synth());
  });
});

describe('deployment settings', () => {
  it('stop the synth with a message that names the bad setting', () => {
    assert.throws(() => createSwitchyardApp({ context: { auth: 'password', throttleRateLimit: 'lots' } }), (error: unknown) => {
      const message = (error as Error).message;
      return /-c auth: /.test(message) && /-c throttleRateLimit: /.test(message);
    });
  });

  it('validate a custom policy file before anything is built', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-policy-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...testPolicyDocument(), flagship: 'mock/missing' }));
    assert.throws(() => createSwitchyardApp({ context: { policy: file } }), /flagship: model "mock\/missing" is not listed/);
  });
});

describe('npx cdk synth', () => {
  it('synthesises offline, bundling the router with its policy under 1 MB', () => {
    const output = mkdtempSync(join(tmpdir(), 'switchyard-cdk-out-'));
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', output], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      stdio: 'pipe',
    });
    assert.ok(existsSync(join(output, 'Switchyard.template.json')));
    const assets = readdirSync(output).filter((name) => name.startsWith('asset.')).map((name) => join(output, name));
    const router = assets.find((dir) => existsSync(join(dir, 'policy.json')));
    assert.ok(router, 'the router asset carries policy.json');
    assert.deepEqual(JSON.parse(readFileSync(join(router, 'policy.json'), 'utf8')), JSON.parse(readFileSync(join(ROOT, 'lambda/policy/default-policy.json'), 'utf8')));
    const size = statSync(join(router, 'index.js')).size;
    assert.ok(size < 1_000_000, `router bundle is ${size} bytes`);
  });
});
