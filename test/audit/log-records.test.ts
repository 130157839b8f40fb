import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvRecord, readRequests } from '../../lib/audit/read-logs';
import { attemptItem } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import { detectFormat } from '../../lib/audit/log-records';

const FIXTURES = join(__dirname, '..', 'fixtures', 'audit');
const written = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'audit-')), name);
  writeFileSync(file, text);
  return file;
};
/** Every request of a file, and each skipped record as "line: reason". */
const readAll = async (file: string) => {
  const requests = [];
  const skipped: string[] = [];
  for await (const request of readRequests([file], { onUnreadable: (_name, line, reason) => skipped.push(`${line}: ${reason}`) })) requests.push(request);
  return { requests, skipped };
};
const read = async (fixture: string) => (await readAll(join(FIXTURES, fixture))).requests;

describe('audit log formats', () => {
  it('reads OpenAI request/response lines: model, tokens net of cached ones, the prompt, latency, time, and a failed call', async () => {
    const requests = await read('openai-requests.jsonl');

    expect(requests).toHaveLength(7);
    expect(requests.every((request) => request.format === 'openai')).toBe(true);
    expect(requests[0]).toMatchObject({
      timestamp: '2026-11-01T00:01:00.000Z',
      model: 'gpt-4.1-2025-04-14',
      usage: { input: 14, output: 5, cacheRead: 0, cacheWrite: 0 },
      messages: [{ role: 'user', content: "Translate 'good morning' into French." }],
      latencyMs: 420,
      failed: false,
    });
    expect(requests[1]!.messages!.map((message) => message.role)).toEqual(['system', 'user']);
    expect(requests[5]!.usage).toEqual({ input: 152, output: 40, cacheRead: 2048, cacheWrite: 0 });
    expect(requests[6]).toMatchObject({ model: 'gpt-4.1', failed: true, usage: { input: 0, output: 0 } });
  });

  it('reads OpenAI Batch API output lines, which carry no prompt, and counts an expired request as failed', async () => {
    const requests = await read('openai-batch-output.jsonl');

    expect(requests.map((request) => [request.model, request.usage.input, request.usage.output, request.messages, request.failed])).toEqual([
      ['gpt-4.1-mini-2025-04-14', 24, 15, undefined, false],
      ['gpt-4.1-mini-2025-04-14', 18, 3, undefined, false],
      ['(no model: failed)', 0, 0, undefined, true],
    ]);
  });

  it('reads gzipped Bedrock invocation logs: Converse and Anthropic bodies, an inference-profile ARN, Converse latency, an error', async () => {
    const requests = await read('bedrock-invocations.json.gz');

    expect(requests.every((request) => request.format === 'bedrock')).toBe(true);
    expect(requests[0]).toMatchObject({
      timestamp: '2026-11-01T09:15:02.000Z',
      model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      usage: { input: 14, output: 4, cacheRead: 0, cacheWrite: 0 },
      messages: [{ role: 'user', content: 'What is the capital of Australia?' }],
      maxTokens: 100,
      latencyMs: 610,
    });
    expect(requests[1]!.messages![0]).toEqual({ role: 'system', content: 'You are a senior engineer.' });
    expect(requests[2]).toMatchObject({
      model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0',
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Rewrite this sentence in the passive voice: The committee approved the budget.' },
      ],
      maxTokens: 300,
      latencyMs: undefined,
    });
    expect(requests[3]).toMatchObject({ failed: true, usage: { input: 0, output: 0 } });
  });

  it('reads a CSV whose quoted prompts hold commas, doubled quotes and a line break', async () => {
    const requests = await read('requests.csv');

    expect(requests.map((request) => request.messages![0]!.content)).toEqual([
      'Reply "yes" or "no": is 17 a prime number?',
      'Draft a contract clause limiting liability to fees paid in the prior 12 months,\nwith carve-outs for gross negligence and confidentiality breaches.',
      'List three synonyms for happy, comma-separated',
      'Hello',
    ]);
    expect(requests[1]).toMatchObject({ model: 'gpt-5', usage: { input: 41, output: 380 }, latencyMs: 5200, failed: false, timestamp: '2026-11-03T08:01:00.000Z' });
    expect(requests[3]!.failed).toBe(true);
  });

  it('reads the attempts of a ledger exported by DynamoDB (gzipped), with their tiers, and nothing else in the table', async () => {
    const requests = await read('ledger-export.json.gz');

    expect(requests.map((request) => [request.model, request.tier, request.retry, request.failed])).toEqual([
      ['bedrock/amazon.nova-micro-v1:0', 0, false, false],
      ['bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0', 2, false, true],
      ['bedrock/amazon.nova-pro-v1:0', 2, true, false],
    ]);
  });

  it('tells formats apart by their first line, and says so when it cannot', () => {
    expect(detectFormat('{"schemaType":"ModelInvocationLog","modelId":"x"}')).toBe('bedrock');
    expect(detectFormat('{"Item":{"pk":{"S":"REQ#1"}}}')).toBe('ledger');
    expect(detectFormat('{"request":{},"response":{}}')).toBe('openai');
    expect(detectFormat('timestamp,model,prompt_tokens,completion_tokens')).toBe('csv');
    expect(detectFormat('\uFEFFModel,Prompt Tokens,Completion Tokens')).toBe('csv');
    expect(detectFormat('{"hello":1}')).toBeUndefined();
    expect(detectFormat('2026-11-01 some text log line')).toBeUndefined();
  });

  it('reports an unreadable line by its number and goes on', async () => {
    const file = written('log.jsonl', ['{"request":{"model":"gpt-5"},"response":{"model":"gpt-5","usage":{"prompt_tokens":1,"completion_tokens":1}}}', 'not json', '{"response":{"usage":{}}}', ''].join('\n'));

    const { requests, skipped } = await readAll(file);

    expect(requests).toHaveLength(1);
    expect(skipped).toEqual(['2: not JSON', '3: no model in the request or the response']);
  });

  it('refuses token counts that are not whole numbers, and a response without usage, rather than count them free', async () => {
    const openai = written('bad.jsonl', [
      '{"request":{"model":"gpt-5"},"response":{"model":"gpt-5","usage":{"prompt_tokens":"12","completion_tokens":3}}}',
      '{"request":{"model":"gpt-5"},"response":{"model":"gpt-5","choices":[]}}',
      '{"request":{"model":"gpt-5"},"response":{"model":"gpt-5","usage":{"input_tokens":12,"output_tokens":3,"input_tokens_details":{"cached_tokens":2}}}}',
    ].join('\n'));
    const csv = written('bad.csv', 'model,prompt_tokens,completion_tokens\ngpt-5,"1,000",3\ngpt-5,1e3,3\ngpt-5,-5,3\ngpt-5,,3\n');

    const fromOpenAi = await readAll(openai);
    const fromCsv = await readAll(csv);

    expect(fromOpenAi.skipped).toEqual(['1: prompt_tokens is "12", not a whole number of tokens', '2: a response without usage (a stream without stream_options.include_usage?)']);
    expect(fromOpenAi.requests.map((request) => request.usage)).toEqual([{ input: 10, output: 3, cacheRead: 2, cacheWrite: 0 }]);
    expect(fromCsv.skipped).toEqual(['2: prompt_tokens is "1,000", not a whole number', '3: prompt_tokens is "1e3", not a whole number', '4: prompt_tokens is "-5", not a whole number']);
    expect(fromCsv.requests.map((request) => request.usage.input)).toEqual([0]);
  });

  it('skips a stray quote\'s lines as one unreadable record and reads on, without waiting on the rest of the file', async () => {
    const rows = ['model,prompt,prompt_tokens,completion_tokens', 'gpt-5,"never closed,1,1', ...Array.from({ length: 5000 }, (_, index) => `gpt-5,row ${index},1,1`)];
    const { requests, skipped } = await readAll(written('stray.csv', `${rows.join('\n')}\n`));

    expect(skipped).toEqual(['2: a quote opened here is not closed within 200 lines; those lines are skipped']);
    expect(requests).toHaveLength(5000 - 199);
  });

  it('reads what a line says, whatever throws: a ledger line that is not an item, a money field that is not a number', async () => {
    const file = written('ledger.json', [
      '{"Item":{"pk":{"S":"REQ#1"},"sk":{"S":"ATTEMPT#001"},"model":{"S":"bedrock/amazon.nova-micro-v1:0"},"inputTokens":{"N":"10"},"outputTokens":{"N":"2"},"costNanoUsd":{"N":"1000.5"},"attempt":{"N":"1"},"startedAt":{"S":"2026-11-04T10:00:00Z"},"outcome":{"S":"success"}}}',
      '{"Nope":{}}',
      JSON.stringify({ Item: attemptItem({ requestId: '2', attempt: 1, startedAt: '2026-11-04T10:00:00.000Z', callerId: 'key:0123456789abcdef', tier: 0, route: null, provider: 'bedrock', model: 'bedrock/amazon.nova-micro-v1:0', usage: { input: 10, output: 2, cacheRead: 0, cacheWrite: 0 }, costNanoUsd: 1000n, flagshipCostNanoUsd: 5000n, latencyMs: 300, outcome: 'success', simulated: false, estimated: false }, 86_400) }),
    ].join('\n'));
    const { requests, skipped } = await readAll(file);

    expect(skipped).toEqual(['1: an attempt item without its request, model, time, tokens or cost as whole numbers', '2: not a DynamoDB export line ({"Item": ...})']);
    expect(requests).toHaveLength(1);
  });

  it('reads a first line behind a byte-order mark, a model_id column, and a time without a zone as UTC', async () => {
    const jsonl = await readAll(written('bom.jsonl', '\uFEFF{"request":{"model":"gpt-5"},"response":{"model":"gpt-5","usage":{"prompt_tokens":1,"completion_tokens":1}}}\n'));
    const csv = await readAll(written('ids.csv', 'timestamp,model_id,prompt_tokens,completion_tokens\n2026-11-03 23:30:00,gpt-5,1,1\n'));

    expect(jsonl.requests).toHaveLength(1);
    expect(csv.requests.map((request) => request.timestamp)).toEqual(['2026-11-03T23:30:00.000Z']);
  });

  it('counts progress in bytes of the file, whatever its characters', async () => {
    const line = '{"request":{"model":"gpt-5","messages":[{"role":"user","content":"请把这句话翻译成英文：今天天气很好。"}]},"response":{"model":"gpt-5","usage":{"prompt_tokens":20,"completion_tokens":8}}}';
    const file = written('cjk.jsonl', `${Array.from({ length: 2000 }, () => line).join('\n')}\n`);
    const reports: [number, number][] = [];
    for await (const request of readRequests([file], { onProgress: (read, total) => reports.push([read, total]) })) void request;

    const [read, total] = reports.at(-1)!;
    expect(read).toBe(total);
    expect(total).toBe(Buffer.byteLength(`${Array.from({ length: 2000 }, () => line).join('\n')}\n`));
  });

  it('splits CSV records the RFC 4180 way', () => {
    expect(csvRecord('a,"b,c","d ""e""",')).toEqual({ cells: ['a', 'b,c', 'd "e"', ''], open: false });
    expect(csvRecord('a,"b')).toEqual({ cells: ['a', 'b'], open: true });
  });
});
