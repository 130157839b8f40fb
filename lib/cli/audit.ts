/**
 * CLI: the `switchyard` command's subcommands (audit, doctor, keys, smoke),
 * each a module.
 *
 * `npx switchyard audit <file…>` (also `npm run audit -- <file…>`): tags a
 * request log with the gateway's classifier and prices it as it ran and as
 * Switchyard would route it, net of Switchyard's own AWS bill. Reads
 * OpenAI, Bedrock invocation-log, CSV and ledger-export files, gzipped or
 * not, as a stream. Nothing is deployed and nothing is sent anywhere.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../lambda/core/base/errors';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../../lambda/policy/policy-file';
import { readFileSync } from 'node:fs';
import { DEFAULT_AWS_USAGE, type CfnTemplate } from '../audit/aws-bill';
import { synthesizeTemplate } from '../app';
import { createAudit, type AuditResult } from '../audit/audit';
import { LOG_FORMATS, type LogFormat } from '../audit/log-records';
import { readRequests } from '../audit/read-logs';
import { renderHtml } from '../audit/render-html';
import { renderAudit, renderExample, type AuditRun } from '../audit/render-text';
import { workedExample } from '../audit/worked-example';

export const AUDIT_USAGE = `Usage: npx switchyard audit <file…> [options]     (or: npm run audit -- <file…>)
  Reads request logs (gzip or not) and prints what routing would have saved, net of Switchyard's AWS bill.
  Formats, told apart by their first line: OpenAI JSON lines ({request, response} or Batch API output),
  Bedrock model-invocation logs, CSV (timestamp, model, prompt or prompt_tokens, completion_tokens),
  a Switchyard ledger exported by DynamoDB to S3.
  --format F         ${LOG_FORMATS.join(' | ')}: skip detection
  --policy FILE      the routing policy to project with (default: the bundled default policy)
  --what-if FILE     a second policy, compared with the first on the same requests
  --latency-ms N     model latency for requests whose log has none (default ${DEFAULT_AWS_USAGE.defaultLatencyMs})
  --template FILE    the AWS bill of this synthesized stack (cdk.out/Switchyard.template.json after
                     npx cdk synth -c …); default: the stack with its default settings and --policy
  --json             machine-readable output on stdout
  --report FILE      also write a self-contained HTML report
  --example          the standard worked example (10M requests a month), no files needed`;

export interface AuditIo {
  readonly stdout: (text: string) => void;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly now?: () => Date;
}

export async function runAuditCommand(args: string[], io: AuditIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      policy: { type: 'string' },
      'what-if': { type: 'string' },
      'latency-ms': { type: 'string' },
      template: { type: 'string' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      example: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return io.stdout(AUDIT_USAGE);
  const latency = values['latency-ms'] === undefined ? DEFAULT_AWS_USAGE.defaultLatencyMs : Number(values['latency-ms']);
  if (!Number.isInteger(latency) || latency < 0) throw new ConfigError(`--latency-ms must be a whole number of milliseconds, not "${values['latency-ms']}".`);
  const aws = { ...DEFAULT_AWS_USAGE, defaultLatencyMs: latency };

  // A given template is read now; the default stack is synthesized (seconds) only once a bill is priced, after the logs.
  let template = values.template === undefined ? undefined : readTemplate(values.template);
  const stack = () => (template ??= synthesizeTemplate(values.policy === undefined ? {} : { policy: values.policy }));
  if (values.example) {
    const example = workedExample(stack(), undefined, aws);
    return io.stdout(values.json ? JSON.stringify(example, null, 2) : renderExample(example));
  }
  if (positionals.length === 0) throw new ConfigError(`Name the log files to audit.\n${AUDIT_USAGE}`);
  const format = values.format;
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`--format must be one of ${LOG_FORMATS.join(', ')}, not "${format}".`);

  const policyFiles = [values.policy ?? DEFAULT_POLICY_FILE, ...(values['what-if'] ? [values['what-if']] : [])];
  const audits = policyFiles.map((file) => createAudit(readPolicyFile(file), { policyName: basename(file), template: stack, aws }));
  // On stderr, so it never mixes with --json on stdout.
  const progress = io.stderr.isTTY ? progressBar(io.stderr) : undefined;
  const formats = new Set<string>();
  let unreadable = 0;
  for await (const request of readRequests(positionals, {
    format: format as LogFormat | undefined,
    onProgress: progress?.update,
    onUnreadable: (file, line, reason) => {
      unreadable += 1;
      if (unreadable <= 5) io.stderr.write(`${progress ? '\n' : ''}warning: ${file}:${line}: ${reason}; skipped\n`);
    },
  })) {
    formats.add(request.format);
    for (const audit of audits) audit.add(request);
    progress?.count();
  }
  progress?.done();
  const results = audits.map((audit) => audit.result()) as [AuditResult, ...AuditResult[]];
  const run: AuditRun = { files: positionals, formats: [...formats], unreadable, results };
  if (values.report) writeFileSync(values.report, renderHtml(run, (io.now?.() ?? new Date()).toISOString()));
  if (values.json) {
    io.stdout(JSON.stringify({ files: run.files, formats: run.formats, unreadable, audit: results[0], ...(results[1] ? { what_if: results[1] } : {}) }, null, 2));
  } else {
    io.stdout(renderAudit(run));
    if (values.report) io.stdout(`\nReport written to ${values.report}`);
  }
}

/** A template `npx cdk synth` wrote, for the AWS bill. */
function readTemplate(file: string): CfnTemplate {
  let template: unknown;
  try {
    template = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--template ${file}: ${error instanceof Error ? error.message : String(error)}; give a template that npx cdk synth wrote (cdk.out/<stack>.template.json).`);
  }
  if (typeof template !== 'object' || template === null || typeof (template as { Resources?: unknown }).Resources !== 'object') {
    throw new ConfigError(`--template ${file} has no "Resources": give a template that npx cdk synth wrote (cdk.out/<stack>.template.json).`);
  }
  return template as CfnTemplate;
}

/** A progress bar on a terminal, redrawn at most ten times a second. */
function progressBar(stream: NodeJS.WritableStream) {
  let requests = 0;
  let fraction = 0;
  let drawn = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - drawn < 100) return;
    drawn = now;
    const filled = Math.round(fraction * 30);
    stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${requests.toLocaleString('en-US')} requests`);
  };
  return {
    update: (read: number, total: number) => {
      fraction = total > 0 ? Math.min(1, read / total) : 1;
      draw();
    },
    count: () => {
      requests += 1;
      if ((requests & 1023) === 0) draw();
    },
    done: () => {
      fraction = 1;
      draw(true);
      stream.write('\n');
    },
  };
}
