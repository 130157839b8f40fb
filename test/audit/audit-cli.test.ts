/**
 * `npx switchyard audit` end to end: the real CLI in its own process on the
 * fixtures, its JSON, its text, and its HTML report rendered in headless
 * Chromium (Debian's package), where the charts must be drawn and every total
 * must be the JSON's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import type { AuditResult } from '../../lib/audit/audit';
import { dollars } from '../../lib/audit/format';
import { runAuditCommand } from '../../lib/cli/audit';
import { synthesizeTemplate } from '../../lib/app';

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'audit');
const ALL = ['openai-requests.jsonl', 'openai-batch-output.jsonl', 'bedrock-invocations.json.gz', 'requests.csv', 'ledger-export.json.gz'].map((file) => join(FIXTURES, file));
const run = promisify(execFile);
const audit = (...args: string[]) =>
  run(process.execPath, [join(ROOT, 'bin', 'cli.cjs'), 'audit', ...args], { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
const failing = (...args: string[]) =>
  audit(...args).then(
    () => Promise.reject(new Error('the audit succeeded')),
    (error: { code: number; stderr: string }) => error,
  );

interface Output {
  files: string[];
  formats: string[];
  unreadable: number;
  audit: AuditResult;
  what_if?: AuditResult;
}

describe('npx switchyard audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-audit-'));
  let output: Output;
  beforeAll(async () => {
    output = JSON.parse((await audit(...ALL, '--json', '--report', join(dir, 'report.html'))).stdout) as Output;
  }, 60_000);

  it('reads every format in one run, detected by content, gzipped or not', () => {
    expect(output.formats.sort()).toEqual(['bedrock', 'csv', 'ledger', 'openai']);
    expect(output.unreadable).toBe(0);
    // 7 + 3 + 4 + 4 logged requests, and the ledger's 2 (its retry is spend, not a request).
    expect(output.audit.requests).toBe(20);
    expect(Object.values(output.audit.tiers).reduce((sum, count) => sum + count, 0)).toBe(20);
  });

  it('prints the totals, the markups on the routed bill, the AWS bill and the net saving as text', async () => {
    const { stdout } = await audit(...ALL);
    expect(stdout).toContain(`Cost audit of 20 requests (5 files`);
    expect(stdout).toMatch(new RegExp(`today, at list prices\\s+\\${dollars(output.audit.cost.today_usd)}`));
    expect(stdout).toMatch(new RegExp(`a 5% markup gateway would add\\s+\\${dollars(output.audit.markup['5%'])}`));
    expect(stdout).toMatch(new RegExp(`Switchyard's own AWS bill for this traffic\\s+\\${dollars(output.audit.aws.total_usd)}`));
    expect(stdout).toContain('net saving, AWS included');
    expect(stdout).toContain('By prompt length (tokens):');
    expect(stdout).toContain('Assumptions:');
  });

  it('compares two policies on the same requests with --what-if', async () => {
    const rules = join(dir, 'rules-policy.json');
    const policy = JSON.parse(readFileSync(join(ROOT, 'lambda', 'policy', 'default-policy.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(rules, JSON.stringify({ ...policy, classifier: { model: 'rules' } }));
    const compared = JSON.parse((await audit(join(FIXTURES, 'openai-requests.jsonl'), '--what-if', rules, '--json')).stdout) as Output;

    expect(compared.audit.policy).toBe('default-policy.json');
    expect(compared.what_if!.policy).toBe('rules-policy.json');
    expect(compared.what_if!.cost.today_usd).toBe(compared.audit.cost.today_usd);
    expect(compared.what_if!.requests).toBe(compared.audit.requests);
  });

  it('draws a progress bar on a terminal\'s stderr (with --json too, which goes to stdout), and none elsewhere', async () => {
    const drawn = async (terminal: boolean, ...args: string[]) => {
      let text = '';
      const stderr = Object.assign(new Writable({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) }), { isTTY: terminal });
      await runAuditCommand([join(FIXTURES, 'openai-requests.jsonl'), ...args], { stdout: () => undefined, stderr });
      return text;
    };
    expect(await drawn(true)).toMatch(/\r\[#{30}\] 100%  7 requests\n$/);
    expect(await drawn(true, '--json')).toMatch(/\r\[#{30}\] 100%  7 requests\n$/);
    expect(await drawn(false)).toBe('');
  });

  it('names a cut-short gzip file instead of failing with a stack', async () => {
    const cut = join(dir, 'cut.json.gz');
    writeFileSync(cut, readFileSync(join(FIXTURES, 'bedrock-invocations.json.gz')).subarray(0, 600));
    expect((await failing(cut)).stderr.trim()).toBe(`${cut}: the gzip data is cut short or damaged (unexpected end of file); the records before it were read.`);
  });

  it('prints the worked example', async () => {
    const { stdout } = await audit('--example');
    expect(stdout).toContain('$56,000.00 a month');
    expect(stdout).toContain('$27,600.00 a month');
    expect(stdout).toContain('Saving: $28,400.00 a month (50.7%)');
    expect(stdout).toContain('A 5% markup gateway adds $1,380.00 a month to the routed bill; a 10% one $2,760.00');
    expect(stdout).toMatch(/Net saving: \$28,\d{3}\.\d{2} a month/);
    // The README shows this output as it is printed.
    expect(readFileSync(join(ROOT, 'docs', 'audit.md'), 'utf8')).toContain(stdout.trim());
  });

  it('says what to fix, without a stack, for a missing file, an unknown format or a bad flag', async () => {
    const missing = await failing(join(dir, 'nope.jsonl'));
    expect(missing.stderr.trim()).toBe(`Cannot read ${join(dir, 'nope.jsonl')}: no such file.`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'just some notes\n');
    expect((await failing(text)).stderr).toContain('Cannot tell the format of');
    expect((await failing(text, '--format', 'xml')).stderr).toContain('--format must be one of openai, bedrock, csv, ledger');
    expect((await failing()).stderr).toContain('Name the log files to audit.');
  });

  it('prices the bill of a template it is given, and says what to fix when the file is not one', async () => {
    const bigger = join(dir, 'bigger.template.json');
    writeFileSync(bigger, JSON.stringify(synthesizeTemplate({ routerMemoryMb: 1024 })));
    const given = JSON.parse((await audit('--example', '--json', '--template', bigger)).stdout) as { aws: { lines: { part: string; basis: string }[] } };
    expect(given.aws.lines.find((line) => line.part === 'Router Lambda')!.basis).toMatch(/^1024 MB arm64/);
    const notJson = join(dir, 'notes.json');
    writeFileSync(notJson, '{"no": "resources"}');
    expect((await failing('--example', '--template', notJson)).stderr).toContain(`--template ${notJson} has no "Resources": give a template that npx cdk synth wrote`);
  });

  it('writes counts as people read them: an empty log is "1 file" with no request lines found, never "(1 file, )"', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const { stdout } = await audit(empty);
    expect(stdout).toContain('Cost audit of 0 requests (1 file, no request lines found)');
  });

  describe('its HTML report, in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    }, 60_000);
    afterAll(() => browser?.close());

    it('draws its charts and shows the JSON\'s totals, offline', async () => {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(`file://${join(dir, 'report.html')}`);

      const charts = await page.$$eval('svg[data-chart]', (svgs) =>
        svgs.map((svg) => ({
          chart: svg.getAttribute('data-chart'),
          bars: [...svg.querySelectorAll('rect.bar')].map((bar) => bar.getBoundingClientRect()).filter((box) => box.width > 0 && box.height > 0).length,
        })),
      );
      expect(charts).toEqual([
        { chart: 'tier-mix', bars: Object.values(output.audit.tiers).filter((count) => count > 0).length },
        { chart: 'by-tier', bars: 2 * output.audit.shapes.by_tier.length },
        { chart: 'daily', bars: 2 * output.audit.daily.length },
      ]);
      // Bars are drawn to scale: the tier-mix bars' widths stand in the ratios of their counts.
      const widths = await page.$$eval('svg[data-chart="tier-mix"] rect.bar', (bars) => bars.map((bar) => bar.getBoundingClientRect().width));
      const counts = Object.values(output.audit.tiers).filter((count) => count > 0);
      const most = Math.max(...counts);
      widths.forEach((width, index) => expect(Math.abs(width / Math.max(...widths) - counts[index]! / most)).toBeLessThan(0.02));
      const totals = Object.fromEntries(await page.$$eval('[data-total]', (nodes) => nodes.map((node) => [node.getAttribute('data-total'), node.textContent])));
      expect(totals).toEqual({
        today: dollars(output.audit.cost.today_usd),
        projected: dollars(output.audit.cost.projected_usd),
        saving: `${dollars(output.audit.cost.saving_usd)} (${output.audit.cost.saving_percent}%)`,
        'markup-5': dollars(output.audit.markup['5%']),
        'markup-10': dollars(output.audit.markup['10%']),
        aws: dollars(output.audit.aws.total_usd),
        net: `${dollars(output.audit.net.saving_usd)} (${output.audit.net.saving_percent}%)`,
      });
      // Self-contained: the page asks for nothing but itself.
      expect(requested).toEqual([`file://${join(dir, 'report.html')}`]);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
      await page.close();
    }, 60_000);
  });
});
