/**
 * The people's tools against a running local gateway: `npm run report` prints
 * the day from GET /v1/usage, and `npm run rollup` prints the SNS message a
 * crossed threshold sends, once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callerIdForKey } from '../../lambda/core/auth';
import { loadPolicy } from '../../lambda/core/policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { testPolicyDocument } from '../support/policies';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const ADMIN = 'admin-key';

describe('npm run report and npm run rollup, against the local gateway', () => {
  let gateway: LocalGateway;
  let policyFile: string;
  beforeAll(async () => {
    const document = testPolicyDocument({
      budgets: { global: { dailyUsd: '0.001' } },
      admins: [callerIdForKey(ADMIN)],
    } as never);
    policyFile = join(mkdtempSync(join(tmpdir(), 'switchyard-tools-')), 'policy.json');
    writeFileSync(policyFile, JSON.stringify(document));
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(document) });
    for (let index = 0; index < 3; index += 1) {
      const response = await fetch(`${gateway.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer team-key', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/large', messages: [{ role: 'user', content: 'Tell me about otters, at length.' }] }),
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(() => gateway.close());

  const tool = (script: string, args: string[]) =>
    run(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, SWITCHYARD_POLICY: policyFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });

  it('report prints the day for an admin, with the budget and each caller', async () => {
    const { stdout } = await tool('report.ts', ['--endpoint', gateway.baseUrl, '--key', ADMIN]);
    expect(stdout).toMatch(/^Switchyard usage for \d{4}-\d{2}-\d{2} \(UTC\)$/m);
    expect(stdout).toMatch(/Spend: \$0\.\d{4} over 3 requests and 3 attempts/);
    expect(stdout).toMatch(/Budgets:\n  global +\$0\.\d{4} of +\$0\.0010/);
    expect(stdout).toMatch(new RegExp(`Top callers:\\n  ${callerIdForKey('team-key')}`));
  });

  it('rollup prints the SNS message for the crossed threshold once, then no more', async () => {
    const dynamo = ['--dynamo', gateway.dynamo.endpoint];
    const first = await tool('rollup.ts', dynamo);
    expect(first.stdout).toMatch(/--- SNS message \(local: printed, not sent\) ---\nSubject: \[Switchyard critical\] global past 100%/);
    expect(first.stdout).toMatch(/Attributes: severity=critical budget=global threshold=100/);
    const second = await tool('rollup.ts', dynamo);
    expect(second.stdout).not.toMatch(/SNS message/);
    expect(second.stdout).toMatch(/No new budget alerts/);
  });
});
