/**
 * `npm start` as a user runs it (bin/local.ts in its own process): what the
 * banner shows, the state file the tools find it by, the DynamoDB port that
 * follows PORT, and what it says when a port is taken.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayStateFile } from '../../lambda/local/gateway-state';
import { DEFAULT_POLICY_FILE } from '../../lambda/policy/policy-file';

const ROOT = join(__dirname, '..', '..');
const KEYS = 'sk-first-secret-key,sk-second-secret-key';

function environment(settings: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHYARD_') && !name.startsWith('AWS_') && !/^(PORT|HOST|OPENAI_API_KEY)$/.test(name)),
  );
  return { ...inherited, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', SWITCHYARD_SIMULATE: 'all', ...settings };
}

interface Started {
  readonly child: ChildProcess;
  readonly banner: string;
  readonly output: () => string;
}

const running = new Set<ChildProcess>();

/** Starts `npm start` and resolves once its banner is out. */
function start(settings: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'local.ts')], { cwd: ROOT, env: environment(settings) });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const check = () => {
      if (stdout.includes('Press Ctrl+C to stop.')) resolve({ child, banner: stdout, output: () => stdout });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${stderr}`)));
  });
}

/** Runs `npm start` expecting it to fail at once; its exit code and error output. */
async function failToStart(settings: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'local.ts')], { cwd: ROOT, env: environment(settings), timeout: 20_000 });
  } catch (error) {
    const { code, stderr } = error as { code: number; stderr: string };
    return { code, stderr };
  }
  throw new Error('npm start did not fail');
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

/** A free port whose next port is free too (both are let go before returning). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const first = await listen(0);
    const port = portOf(first);
    const second = port < 65_535 ? await listen(port + 1).catch(() => undefined) : undefined;
    await close(first);
    if (second) {
      await close(second);
      return port;
    }
  }
}

afterEach(async () => {
  await Promise.all([...running].map(stop));
});

describe('npm start', () => {
  it('prints no configured key, puts DynamoDB on PORT+1, writes the state file and removes it on exit', async () => {
    const port = await freePortPair();

    const { child, banner, output } = await start({ PORT: String(port), SWITCHYARD_API_KEYS: KEYS });
    const stateFile = gatewayStateFile(port);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>;
    const response = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: 'Bearer sk-second-secret-key' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exitCode = await stop(child);

    expect(banner).not.toMatch(/sk-first-secret-key|sk-second-secret-key/);
    expect(banner).toMatch(/-H 'Authorization: Bearer <one of your SWITCHYARD_API_KEYS>'/);
    expect(banner).toMatch(new RegExp(`Ledger: embedded DynamoDB at http://127\\.0\\.0\\.1:${port + 1},`));
    expect(banner).toMatch(new RegExp(`PORT=${port} npm run report`));
    expect(state).toEqual({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      dynamoEndpoint: `http://127.0.0.1:${port + 1}`,
      policyFile: DEFAULT_POLICY_FILE,
      pid: child.pid,
    });
    expect(response.status).toBe(200);
    expect(output()).toMatch(/^GET \/v1\/models 200 tier=- model=- cost=\$0 \d+ms$/m);
    expect(output()).not.toMatch(/secret-key/);
    expect(exitCode).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  });

  it('shows the key local-dev when any key is accepted', async () => {
    const { child, banner } = await start({ PORT: '0' });
    const port = Number(/Switchyard local gateway: http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(banner)![1]);
    // Stopped the moment its banner is out, it still cleans up after itself.
    const exitCode = await stop(child);

    expect(banner).toMatch(/-H 'Authorization: Bearer local-dev'/);
    expect(banner).toMatch(/Auth: any API key is accepted/);
    expect(exitCode).toBe(0);
    expect(existsSync(gatewayStateFile(port))).toBe(false);
  });

  it('warns in its banner about a policy model past its retirement date, and not about the shipped policy', async () => {
    const policy = JSON.parse(readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { models: Record<string, Record<string, unknown>> };
    policy.models['bedrock/amazon.nova-lite-v1:0'] = { ...policy.models['bedrock/amazon.nova-lite-v1:0'], retiresOn: '2026-01-31' };
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-retired-')), 'policy.json');
    writeFileSync(file, JSON.stringify(policy));
    const retired = await start({ PORT: '0', SWITCHYARD_POLICY: file });
    await stop(retired.child);
    expect(retired.banner).toMatch(/^ {2}! bedrock\/amazon\.nova-lite-v1:0 was retired on 2026-01-31 \(the policy\): calls to it fail; name a current model in the policy instead\.$/m);
    const shipped = await start({ PORT: '0' });
    await stop(shipped.child);
    expect(shipped.banner).not.toMatch(/was retired/);
  });

  it('accepts only managed keys with SWITCHYARD_AUTH=managed, and says how to make one', async () => {
    const { child, banner } = await start({ PORT: '0', SWITCHYARD_AUTH: 'managed' });
    const port = Number(/Switchyard local gateway: http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(banner)![1]);
    const refused = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: 'Bearer local-dev' } });
    await stop(child);

    expect(banner).toMatch(/Auth: managed keys only; create one with PORT=\d+ npx switchyard keys create --local --name me/);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('refuses an unknown SWITCHYARD_AUTH, and managed mode with a key list', async () => {
    expect(await failToStart({ PORT: '0', SWITCHYARD_AUTH: 'keys' })).toEqual({ code: 2, stderr: expect.stringContaining('SWITCHYARD_AUTH must be "managed"') });
    expect(await failToStart({ PORT: '0', SWITCHYARD_AUTH: 'managed', SWITCHYARD_API_KEYS: KEYS })).toEqual({
      code: 2,
      stderr: expect.stringContaining('Set SWITCHYARD_AUTH=managed or SWITCHYARD_API_KEYS, not both'),
    });
  });

  it('names PORT, without a stack trace, when its port is taken', async () => {
    const taken = await listen(0);
    try {
      const { code, stderr } = await failToStart({ PORT: String(portOf(taken)), SWITCHYARD_DYNAMO_PORT: '0' });

      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^Port ${portOf(taken)} is already in use \\(another npm start\\?\\)\\. Set PORT to a free port`));
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await close(taken);
    }
  });

  it('names PORT and SWITCHYARD_DYNAMO_PORT when the DynamoDB port that follows PORT is taken', async () => {
    const port = await freePortPair();
    const taken = await listen(port + 1);
    try {
      const { code, stderr } = await failToStart({ PORT: String(port) });

      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(`^Port ${port + 1} for the embedded DynamoDB is already in use .* It follows PORT \\(PORT\\+1 = ${port + 1}\\): set PORT to another port, or SWITCHYARD_DYNAMO_PORT to a free one\\.`),
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await close(taken);
    }
  });

  it('names SWITCHYARD_DYNAMO_PORT when the DynamoDB port it sets is taken', async () => {
    const taken = await listen(0);
    try {
      const { stderr } = await failToStart({ PORT: '0', SWITCHYARD_DYNAMO_PORT: String(portOf(taken)) });

      expect(stderr).toMatch(new RegExp(`^Port ${portOf(taken)} for the embedded DynamoDB is already in use .* Set SWITCHYARD_DYNAMO_PORT to a free port\\.`));
    } finally {
      await close(taken);
    }
  });
});
