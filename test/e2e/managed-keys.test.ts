/**
 * Managed keys end to end: keys made by the real CLI (`npx switchyard keys …
 * --local`, in its own process) against the embedded table of a local gateway
 * in managed mode, used by the real openai client.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { eventually } from '../support/eventually';

const ROOT = join(__dirname, '..', '..');
const KEY_CACHE_MS = 500;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('managed keys: CLI, local gateway and openai client', () => {
  let gateway: LocalGateway;
  let dynamoPort: number;

  /** The CLI as an operator runs it, through the package's bin entry. */
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'cli.cjs'), 'keys', ...args, '--local'], {
      cwd: ROOT,
      env: { ...process.env, SWITCHYARD_DYNAMO_PORT: String(dynamoPort), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 30_000,
    });
    return stdout;
  };
  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: gateway.baseUrl, maxRetries: 0 });
  const ask = (apiKey: string, model = 'auto') =>
    client(apiKey).chat.completions.create({ model, messages: [{ role: 'user', content: 'Extract the city: I live in Rome.' }] });

  beforeAll(async () => {
    dynamoPort = await freePort();
    gateway = await startLocalGateway({ port: 0, simulate: 'all', auth: 'managed', keyCacheMs: KEY_CACHE_MS, dynamoPort, environment: {} });
  });
  afterAll(() => gateway.close());

  it('serves a key the CLI created, names the caller by the key id, and refuses anything else with a 401', async () => {
    const created = JSON.parse(await cli('create', '--name', 'team-a', '--json'));
    expect(created.key).toMatch(/^sy-[0-9a-f]{16}-/);
    const answer = await ask(created.key);
    expect(answer.choices[0]!.message.content).toBeTruthy();
    const usage = await client(created.key).get<{ scope: string }>('/usage');
    expect(usage.scope).toBe(`key:${created.id}`);

    for (const wrong of ['sk-any-plain-key', `${created.key.slice(0, -2)}xx`]) {
      const refused = await ask(wrong).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((refused as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain('unknown, revoked or expired');
    }
  });

  it('applies limits the CLI sets, without a restart', async () => {
    const created = JSON.parse(await cli('create', '--name', 'capped', '--max-tier', '1', '--json'));
    const refused = await ask(created.key, 'tier-3').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as Error).message).toContain('may use tiers 0 to 1');

    await cli('update', 'capped', '--max-tier', 'none');
    await eventually(async () => expect((await ask(created.key, 'tier-3')).model).toBeTruthy(), 5000);
  });

  it('rotates a key: both work during the grace period, under one caller id', async () => {
    const created = JSON.parse(await cli('create', '--name', 'rotating', '--json'));
    const rotated = JSON.parse(await cli('rotate', 'rotating', '--grace', '1h', '--json'));
    expect(rotated.id).toBe(created.id);
    expect(rotated.key).not.toBe(created.key);
    await ask(rotated.key);
    await ask(created.key);
    await gateway.aggregates.flush();
    const usage = await client(rotated.key).get<{ by_caller: { key: string; requests: string }[] }>('/usage');
    expect(usage.by_caller).toEqual([expect.objectContaining({ key: `key:${created.id}`, requests: '2' })]);
  });

  it('prints the same end of the old key on rotate as show does afterwards', async () => {
    await cli('create', '--name', 'rotated-twice');
    const rotatedText = await cli('rotate', 'rotated-twice', '--grace', '2h');
    const until = /The old key works until (\S+)\./.exec(rotatedText)![1]!;
    expect(rotatedText).toContain(`old key:   valid until ${until}`);
    expect(await cli('show', 'rotated-twice')).toContain(`old key:   valid until ${until}`);
  });

  it('refuses a revoked key within the cache time', async () => {
    const created = JSON.parse(await cli('create', '--name', 'leaving', '--json'));
    await ask(created.key);
    const revoked = await cli('revoke', 'leaving');
    expect(revoked).toContain('status:    revoked');
    await eventually(
      async () => expect(await ask(created.key).catch((error: unknown) => error)).toBeInstanceOf(OpenAI.AuthenticationError),
      KEY_CACHE_MS * 10,
    );
    const listed = await cli('list');
    expect(listed).toMatch(/leaving\s+revoked/);
    expect(listed).not.toContain(created.key);
  });

  it('says clearly what is wrong with a bad command, and changes nothing', async () => {
    const failure = await cli('create', '--name', 'bad', '--max-tier', '7').catch((error: { stderr: string; code: number }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining('--max-tier (0, 1, 2 or 3)') });
    const unknownModel = await cli('create', '--name', 'bad', '--models', 'openai/nope').catch((error: { stderr: string }) => error);
    expect((unknownModel as { stderr: string }).stderr).toContain('--models names openai/nope, not in the policy');
    expect(await cli('list')).not.toMatch(/\bbad\b/);
  });
});
