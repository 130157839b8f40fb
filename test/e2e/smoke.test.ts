/**
 * `npx switchyard smoke` against a local gateway in managed-key mode: one
 * request per tier and a forced fallback that really walks the fallback path.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDynamoKeyStore } from '../../lambda/adapters/dynamodb/dynamodb-key-store';
import { runSmoke } from '../../lib/cli/smoke';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';

const ROOT = join(__dirname, '..', '..');

describe('npx switchyard smoke', () => {
  let gateway: LocalGateway;
  const createKey = async (name: string, admin: boolean) =>
    (await createDynamoKeyStore({ client: gateway.dynamo.client, tableName: gateway.ledgerTableName }).create({ name, limits: admin ? { admin: true } : {} })).key;

  beforeAll(async () => {
    gateway = await startLocalGateway({ port: 0, simulate: 'all', auth: 'managed', environment: {} });
  });
  afterAll(() => gateway.close());

  it('answers on every tier and falls back to a second model when forced, without charging the first model\'s circuit', async () => {
    const key = await createKey('smoke-admin', true);
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'cli.cjs'), 'smoke', '--endpoint', gateway.baseUrl, '--key', key], {
      cwd: ROOT,
      timeout: 30_000,
    });
    expect(stdout).toMatch(/^ok +tier 0 /m);
    expect(stdout).toMatch(/^ok +tier 3 /m);
    expect(stdout).toMatch(/^ok +forced fallback .*attempts=2 path=\S+,\S+ /m);
    expect(stdout).toContain('The gateway answers on every tier and falls back.');
    expect(stdout).not.toContain(key);

    const steps = await runSmoke({ endpoint: gateway.baseUrl, key });
    const forced = steps.at(-1)!;
    const [first] = forced.headers['x-switchyard-fallback-path']!.split(',');
    expect(first).toBe(gateway.policy.tiers[1][0]!.id);
    expect(forced.headers['x-switchyard-model']).toBe(gateway.policy.tiers[1][1]!.id);
    const circuit = (await gateway.dependencies.circuits.read([first!])).get(first!)!;
    expect(circuit.failures).toBe(0);
  });

  it('refuses the forced fallback to a key that is not an admin, and says so', async () => {
    const steps = await runSmoke({ endpoint: gateway.baseUrl, key: await createKey('smoke-plain', false) });
    expect(steps.slice(0, 4).every((step) => step.ok)).toBe(true);
    expect(steps.at(-1)).toMatchObject({ ok: false, status: 403, error: expect.stringContaining('x-switchyard-force-fallback is for admins') });
  });

  it('fails each step, without stopping, when nothing answers', async () => {
    const steps = await runSmoke({ endpoint: 'http://127.0.0.1:9/v1', key: 'sy-any', timeoutMs: 2000 });
    expect(steps).toHaveLength(5);
    expect(steps.every((step) => !step.ok && step.status === 0 && step.error!.startsWith('no answer: '))).toBe(true);
  });

  it('fails on a key the gateway refuses, with its message', async () => {
    const steps = await runSmoke({ endpoint: gateway.baseUrl, key: 'sk-not-managed' });
    expect(steps.every((step) => !step.ok && step.status === 401)).toBe(true);
    expect(steps[0]!.error).toContain('unknown, revoked or expired');
  });
});
