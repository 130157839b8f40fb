/**
 * This folder: the commands behind `npm start`, `npm run bench`, the CDK app
 * (cdk-app.ts), the CLI and the project's tools (training and evaluating the
 * classifier, reports, the rollup).
 *
 * Section (g) of `npm run bench`: the cost audit's throughput on a generated
 * log of OpenAI request/response lines, whose prompts are our labelled
 * prompts (varied, real text), with the classifier tagging every one. The
 * log is written to a temporary file first; only the audit is timed.
 */
import { synthesizeTemplate } from '../lib/app';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createAudit } from '../lib/audit/audit';
import { readRequests } from '../lib/audit/read-logs';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';

export interface AuditThroughput {
  readonly lines: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Of the same run without the classifier (every request untagged): the reading and pricing alone. */
  readonly withoutClassifierSeconds: number;
  readonly peakRssMb: number;
}

export async function auditThroughput(lines: number): Promise<AuditThroughput> {
  const prompts = readFileSync(join(__dirname, '..', 'lib', 'eval', 'labelled', 'tiers.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-audit-bench-'));
  const file = join(dir, 'requests.jsonl');
  const out = createWriteStream(file);
  const models = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-4o'];
  for (let index = 0; index < lines; index += 1) {
    const prompt = prompts[index % prompts.length]!;
    const line = {
      request: { model: models[index % models.length], messages: [{ role: 'user', content: prompt }] },
      response: { model: models[index % models.length], created: 1_793_491_200 + index * 2, usage: { prompt_tokens: Math.ceil(prompt.length / 4) + 20, completion_tokens: 50 + (index % 400) } },
      latency_ms: 400 + (index % 3000),
    };
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');

  const policy = readPolicyFile(DEFAULT_POLICY_FILE);
  const template = synthesizeTemplate();
  let peakRss = process.memoryUsage().rss;
  const time = async (stripPrompts: boolean) => {
    const audit = createAudit(policy, { policyName: 'default-policy.json', template: () => template });
    const started = performance.now();
    let count = 0;
    for await (const request of readRequests([file])) {
      audit.add(stripPrompts ? { ...request, messages: undefined } : request);
      count += 1;
      if ((count & 65_535) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    audit.result();
    return (performance.now() - started) / 1000;
  };
  const seconds = await time(false);
  const withoutClassifierSeconds = await time(true);
  const bytes = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });
  return { lines, bytes, seconds, requestsPerSecond: lines / seconds, withoutClassifierSeconds, peakRssMb: peakRss / 1024 / 1024 };
}
