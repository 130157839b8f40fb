/**
 * The real coding agents, unchanged: Claude Code (`claude -p`) and Codex
 * (`codex exec`) from their npm packages, at the versions
 * test/support/agent-clis.json pins (`npm test`'s pretest installs them into
 * .agent-clis/), run offline against the local gateway with the shipped
 * default policy, every model simulated. Only the base URL and a key are set,
 * with the CLIs' telemetry and update checks off. Each run is checked in the
 * ledger and in GET /v1/usage.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { callerIdForKey } from '../../lambda/core/features/auth';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { PolicyDocument } from '../../lambda/policy/schema';
import { defaultPolicyDocument } from '../support/policies';
import { eventually } from '../support/eventually';

const CLIS = join(__dirname, '..', '..', '.agent-clis', 'node_modules');
const CLAUDE = join(CLIS, '@anthropic-ai', 'claude-code', 'bin', 'claude.exe');
const CODEX = join(CLIS, '.bin', 'codex');
const OPUS = 'bedrock/global.anthropic.claude-opus-5-5';
/** Scripted models for the tool rounds: one for each CLI's own shell tool. */
const CLAUDE_TOOL_MODEL = 'bedrock/global.anthropic.claude-fable-5-2';
const CODEX_TOOL_MODEL = 'bedrock/global.anthropic.claude-opus-4-5-20251101-v1:0';
const SIMULATED = /^\[simulated by Switchyard's mock provider: no model was called\]/;

/** The shipped policy, with a scripted session on the two models the tool rounds name. */
function scriptedDefaultPolicy(): PolicyDocument {
  const document = defaultPolicyDocument();
  const script = (model: string, toolCall: { name: string; arguments: Record<string, unknown> }) => ({
    ...document.models[model]!,
    simulation: { script: [{ toolCall }] },
  });
  return {
    ...document,
    models: {
      ...document.models,
      [CLAUDE_TOOL_MODEL]: script(CLAUDE_TOOL_MODEL, { name: 'Bash', arguments: { command: 'echo hi-from-the-tool', description: 'Print a greeting' } }),
      [CODEX_TOOL_MODEL]: script(CODEX_TOOL_MODEL, { name: 'exec_command', arguments: { cmd: 'echo hi-from-the-tool' } }),
    },
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    // A clean environment: only what a user sets, so nothing of this machine's leaks in.
    const child = execFile(file, args, { cwd, env: { PATH: process.env['PATH']!, TERM: 'dumb', ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('Claude Code and Codex, unchanged, against the local gateway', () => {
  let gateway: LocalGateway;
  const accessLines: string[] = [];

  beforeAll(async () => {
    for (const binary of [CLAUDE, CODEX]) {
      if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run agents:install (npm test's pretest does).`);
    }
    gateway = await startLocalGateway({ port: 0, simulate: 'all', environment: {}, policy: loadPolicy(scriptedDefaultPolicy()), accessLog: (line) => accessLines.push(line) });
  });
  afterAll(() => gateway?.close());

  const origin = () => gateway.baseUrl.replace(/\/v1$/, '');

  /** Claude Code as a user runs it: a fresh home, an empty project, ANTHROPIC_BASE_URL and a key. */
  const claude = (key: string, args: readonly string[]) =>
    run(
      CLAUDE,
      args,
      {
        HOME: mkdtempSync(join(tmpdir(), 'claude-home-')),
        ANTHROPIC_BASE_URL: origin(),
        ANTHROPIC_API_KEY: key,
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
      mkdtempSync(join(tmpdir(), 'claude-project-')),
    );

  /** Codex with the README's config.toml (its update check, analytics and feedback off) in a fresh CODEX_HOME. */
  const codex = (key: string, args: readonly string[]) => {
    const home = mkdtempSync(join(tmpdir(), 'codex-home-'));
    writeFileSync(join(home, 'config.toml'), codexConfig(gateway.baseUrl));
    return run(CODEX, ['exec', '--skip-git-repo-check', ...args], { HOME: home, CODEX_HOME: home, SWITCHYARD_KEY: key }, mkdtempSync(join(tmpdir(), 'codex-project-')));
  };

  /** The caller's attempts in the ledger, by model, and what GET /v1/usage says the caller spent. */
  async function accountOf(key: string) {
    const scanned = await gateway.dynamo.client.send(
      new ScanCommand({ TableName: gateway.ledgerTableName, FilterExpression: 'callerId = :caller AND begins_with(sk, :attempt)', ExpressionAttributeValues: { ':caller': { S: callerIdForKey(key) }, ':attempt': { S: 'ATTEMPT#' } } }),
    );
    const rows = (scanned.Items ?? []).map((item) => ({ model: item['model']!.S!, outcome: item['outcome']!.S!, cost: BigInt(item['costNanoUsd']!.N!) }));
    // A caller's own report: its day's totals.
    const usage = (await (await fetch(`${gateway.baseUrl}/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as { total: { requests: string; cost_usd: string } };
    return { rows, usage };
  }

  /** Every attempt a success on `model`, `requests` of them, and /v1/usage agreeing to the nano-dollar. */
  async function expectAccounted(key: string, model: string, requests: number) {
    await eventually(async () => {
      const { rows, usage } = await accountOf(key);
      expect(rows.map((row) => [row.model, row.outcome])).toEqual(Array.from({ length: requests }, () => [model, 'success']));
      const cost = rows.reduce((sum, row) => sum + row.cost, 0n);
      expect(cost > 0n).toBe(true);
      expect(usage.total.requests).toBe(String(requests));
      expect(usage.total.cost_usd).toBe(formatNano(cost));
    }, 5000);
  }

  it('claude -p answers with its default model, Opus 5.5 by name, streamed, priced in the ledger, /v1/usage and the access line', async () => {
    const result = await claude('cc-default', ['-p', 'say hello']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(SIMULATED);
    expect(result.stdout).toContain(OPUS);
    await expectAccounted('cc-default', OPUS, 1);
    expect(accessLines).toContainEqual(expect.stringMatching(new RegExp(`^POST /v1/messages 200 tier=passthrough model=${OPUS.replace(/[./]/g, '\\$&')} cost=\\$0\\.\\d{9} \\d+ms$`)));
  });

  it('claude -p --output-format json reports a successful result, and stream-json its events ending in one', async () => {
    const json = await claude('cc-json', ['-p', '--output-format', 'json', 'say hello']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: expect.stringMatching(SIMULATED), num_turns: 1 });

    const streamed = await claude('cc-json', ['-p', '--output-format', 'stream-json', '--verbose', 'say hello']);
    expect(streamed.code).toBe(0);
    const events = streamed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; subtype?: string; is_error?: boolean });
    expect(events[0]).toMatchObject({ type: 'system', subtype: 'init' });
    expect(events.at(-1)).toMatchObject({ type: 'result', subtype: 'success', is_error: false });
    await expectAccounted('cc-json', OPUS, 2);
  });

  it.each([
    ['opus', OPUS],
    ['sonnet', 'bedrock/global.anthropic.claude-sonnet-5-5'],
    ['haiku', 'bedrock/global.anthropic.claude-haiku-5-5'],
  ])('claude --model %s is served by the model it names', async (alias, model) => {
    const key = `cc-model-${alias}`;
    const result = await claude(key, ['-p', '--model', alias, 'say hello']);
    expect([result.code, result.stdout]).toEqual([0, expect.stringContaining(model)]);
    await expectAccounted(key, model, 1);
  });

  it('claude -p runs a tool round: the model calls Bash, Claude Code runs it and sends the result back, and the session ends', async () => {
    const result = await claude('cc-tool', ['-p', '--output-format', 'stream-json', '--verbose', '--model', 'claude-fable-5-2', 'Print a greeting with the shell.', '--allowedTools', 'Bash']);
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; message?: { content?: unknown } });
    const toolResult = events.flatMap((event) => (event.type === 'user' && Array.isArray(event.message?.content) ? event.message.content : [])).find((block: { type?: string }) => block.type === 'tool_result');
    expect(JSON.stringify(toolResult)).toContain('hi-from-the-tool');
    expect(events.at(-1)).toMatchObject({ type: 'result', subtype: 'success', num_turns: 2, result: expect.stringMatching(/It read the result of 1 tool call\(s\)\.$/) });
    await expectAccounted('cc-tool', CLAUDE_TOOL_MODEL, 2);
  });

  it("codex exec answers with the README's config, its namespace and hosted tools taken, priced in the ledger and /v1/usage", async () => {
    const result = await codex('cx-default', ['say hello']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(SIMULATED);
    const { rows } = await accountOf('cx-default');
    expect(rows).toHaveLength(1);
    await expectAccounted('cx-default', rows[0]!.model, 1);
  });

  it('codex exec runs a tool round: the model calls exec_command, Codex runs it and sends the output back, and the session ends', async () => {
    const result = await codex('cx-tool', ['--json', '-c', 'model="claude-opus-4-5"', 'Print a greeting with the shell.']);
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; item?: { type?: string; aggregated_output?: string; text?: string } });
    const command = events.find((event) => event.type === 'item.completed' && event.item?.type === 'command_execution');
    expect(command?.item?.aggregated_output).toContain('hi-from-the-tool');
    const answer = events.filter((event) => event.type === 'item.completed' && event.item?.type === 'agent_message').at(-1);
    expect(answer?.item?.text).toMatch(/It read the result of 1 tool call\(s\)\.$/);
    await expectAccounted('cx-tool', CODEX_TOOL_MODEL, 2);
  });
});

/** The README's Codex config, pointed at `baseUrl`, with the CLI's update check, analytics, feedback and OpenTelemetry off. */
function codexConfig(baseUrl: string): string {
  return [
    'model = "auto"',
    'model_provider = "switchyard"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[otel]',
    'exporter = "none"',
    'trace_exporter = "none"',
    '',
    '[model_providers.switchyard]',
    'name = "Switchyard"',
    `base_url = "${baseUrl}"`,
    'env_key = "SWITCHYARD_KEY"',
    'wire_api = "responses"',
    '',
  ].join('\n');
}

function formatNano(nano: bigint): string {
  return `${nano / 1_000_000_000n}.${(nano % 1_000_000_000n).toString().padStart(9, '0')}`;
}
