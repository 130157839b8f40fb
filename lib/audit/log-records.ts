/**
 * The request logs the cost audit reads, one parser per format, each turning
 * a record into an `AuditRequest`: the model that answered, the tokens it
 * billed, when, how long it took, and the prompt's text when the log has it
 * (the classifier needs it; without it a request is counted but not tagged).
 *
 * - `openai`: JSON lines of `{request, response}` (a chat completion request
 *   and its response, as gateways and SDK hooks log them), or OpenAI Batch
 *   API output lines (`{custom_id, response: {status_code, body}, error}`),
 *   which carry no prompt.
 * - `bedrock`: Amazon Bedrock model-invocation log records
 *   (`schemaType: "ModelInvocationLog"`), as written to CloudWatch Logs or,
 *   one per line and gzipped, to S3. Converse and Anthropic Messages bodies
 *   give the prompt; Converse's `metrics.latencyMs` the latency.
 * - `csv`: a header row naming the columns (timestamp, model, prompt or
 *   prompt_tokens, completion_tokens, and optionally latency_ms, status).
 * - `ledger`: Switchyard's own ledger, exported by DynamoDB to S3
 *   (`{"Item": {...}}` lines, DYNAMODB_JSON): each attempt, its tier known.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { readableAttempt } from '../../lambda/adapters/dynamodb/dynamodb-ledger';
import type { ChatMessage } from '../../lambda/core/model/message';
import type { Tier } from '../../lambda/policy/schema';
import type { TokenUsage } from '../../lambda/core/model/usage';

export const LOG_FORMATS = ['openai', 'bedrock', 'csv', 'ledger'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface AuditRequest {
  /** ISO-8601, when the log says. */
  readonly timestamp: string | undefined;
  /** The model as the log names it. */
  readonly model: string;
  readonly usage: TokenUsage;
  /** The prompt, when the log carries its text. */
  readonly messages: readonly ChatMessage[] | undefined;
  readonly maxTokens: number | undefined;
  readonly toolCount: number;
  readonly latencyMs: number | undefined;
  /** The call failed (an error status): in Switchyard it would have fallen back. */
  readonly failed: boolean;
  /** Already known (a Switchyard ledger): not classified again. */
  readonly tier?: Tier | null;
  /** A ledger attempt after the first of its request: its spend counts, not as a request. */
  readonly retry?: boolean;
  /** A ledger attempt's purpose: work beyond the answer (verification, shadow, judge) is already in the log as it ran. */
  readonly purpose?: string;
}

/** A record the audit could not read: counted and reported with its line, never guessed at. */
export class UnreadableRecord extends Error {
  override readonly name = 'UnreadableRecord';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A token count: absent is none; present, it must be a whole number of at least 0, or the record is not trusted with money. */
function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new UnreadableRecord(`${field} is ${JSON.stringify(value)}, not a whole number of tokens`);
}

/** Which format a file is in, from its first line. */
export function detectFormat(firstLine: string): LogFormat | undefined {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  if (!line.startsWith('{')) return /(^|,)\s*"?model(_id)?"?\s*(,|$)/i.test(line) ? 'csv' : undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(record)) return undefined;
  if (record['schemaType'] === 'ModelInvocationLog') return 'bedrock';
  if (isObject(record['Item'])) return 'ledger';
  if ('response' in record) return 'openai';
  return undefined;
}

/** One JSON line of `format` (not csv) as a request; `undefined` for a line that is not a request (a ledger's other items). */
export function parseJsonRecord(format: Exclude<LogFormat, 'csv'>, line: string): AuditRequest | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    throw new UnreadableRecord('not JSON');
  }
  if (!isObject(record)) throw new UnreadableRecord('not a JSON object');
  if (format === 'openai') return openAiRecord(record);
  if (format === 'bedrock') return bedrockRecord(record);
  return ledgerRecord(record);
}

function openAiRecord(record: Json): AuditRequest {
  const response = record['response'];
  // A Batch API output line wraps the completion in {status_code, body}; a logged pair has it bare.
  const batch = isObject(response) && 'status_code' in response;
  const completion = batch ? (response as Json)['body'] : response;
  const request = isObject(record['request']) ? record['request'] : undefined;
  const status = batch ? Number((response as Json)['status_code']) : undefined;
  const failed = record['error'] != null || (status !== undefined && status >= 400) || !isObject(completion);
  if (!failed && !isObject((completion as Json)['usage'])) throw new UnreadableRecord('a response without usage (a stream without stream_options.include_usage?)');
  const usage = isObject(completion) && isObject(completion['usage']) ? completion['usage'] : {};
  const model = String((isObject(completion) && completion['model']) || request?.['model'] || '');
  // A failed Batch API line names no model; it billed nothing, and still counts as a request that failed.
  if (model === '' && !failed) throw new UnreadableRecord('no model in the request or the response');
  if (model === '') {
    return {
      timestamp: timestampOf(record['timestamp']),
      model: '(no model: failed)',
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      messages: undefined,
      maxTokens: undefined,
      toolCount: 0,
      latencyMs: undefined,
      failed,
    };
  }
  // Chat Completions counts prompt_tokens with the cached ones in; the Responses API says input_tokens.
  const details = isObject(usage['prompt_tokens_details']) ? usage['prompt_tokens_details'] : isObject(usage['input_tokens_details']) ? usage['input_tokens_details'] : {};
  const cached = count(details['cached_tokens'], 'cached_tokens');
  const prompt = count(usage['prompt_tokens'] ?? usage['input_tokens'], 'prompt_tokens');
  const completionTokens = count(usage['completion_tokens'] ?? usage['output_tokens'], 'completion_tokens');
  const created = isObject(completion) ? completion['created'] : undefined;
  return {
    timestamp: timestampOf(record['timestamp']) ?? (typeof created === 'number' ? new Date(created * 1000).toISOString() : undefined),
    model,
    usage: { input: Math.max(0, prompt - cached), output: completionTokens, cacheRead: cached, cacheWrite: 0 },
    messages: request ? openAiMessages(request['messages']) : undefined,
    maxTokens: request ? optionalCount(request['max_completion_tokens'] ?? request['max_tokens']) : undefined,
    toolCount: request && Array.isArray(request['tools']) ? request['tools'].length : 0,
    latencyMs: optionalCount(record['latency_ms']),
    failed,
  };
}

function openAiMessages(value: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(isObject).map((message) => ({ role: roleOf(message['role']), content: textOf(message['content'], 'text') }));
}

function bedrockRecord(record: Json): AuditRequest {
  const input = isObject(record['input']) ? record['input'] : {};
  const output = isObject(record['output']) ? record['output'] : {};
  const model = typeof record['modelId'] === 'string' ? record['modelId'] : '';
  if (model === '') throw new UnreadableRecord('no modelId');
  const body = isObject(input['inputBodyJson']) ? input['inputBodyJson'] : undefined;
  const answer = isObject(output['outputBodyJson']) ? output['outputBodyJson'] : undefined;
  const metrics = answer && isObject(answer['metrics']) ? answer['metrics'] : {};
  const inference = body && isObject(body['inferenceConfig']) ? body['inferenceConfig'] : {};
  return {
    timestamp: timestampOf(record['timestamp']),
    model,
    usage: {
      input: count(input['inputTokenCount'], 'inputTokenCount'),
      output: count(output['outputTokenCount'], 'outputTokenCount'),
      cacheRead: count(input['cacheReadInputTokenCount'], 'cacheReadInputTokenCount'),
      cacheWrite: count(input['cacheWriteInputTokenCount'], 'cacheWriteInputTokenCount'),
    },
    messages: body ? bedrockMessages(body) : undefined,
    maxTokens: body ? optionalCount(inference['maxTokens'] ?? body['max_tokens']) : undefined,
    toolCount: body && isObject(body['toolConfig']) && Array.isArray(body['toolConfig']['tools']) ? body['toolConfig']['tools'].length : body && Array.isArray(body['tools']) ? body['tools'].length : 0,
    latencyMs: optionalCount(metrics['latencyMs']),
    failed: typeof record['errorCode'] === 'string' && record['errorCode'] !== '',
  };
}

/** Converse (`system: [{text}]`, content blocks `{text}`) and Anthropic Messages (`system` text or blocks, content text or `{type, text}` blocks). */
function bedrockMessages(body: Json): ChatMessage[] | undefined {
  if (!Array.isArray(body['messages'])) return undefined;
  const system = textOf(body['system'], 'text');
  const messages = body['messages'].filter(isObject).map((message) => ({ role: roleOf(message['role']), content: textOf(message['content'], 'text') }));
  return system === '' ? messages : [{ role: 'system', content: system }, ...messages];
}

function ledgerRecord(record: Json): AuditRequest | undefined {
  if (!isObject(record['Item'])) throw new UnreadableRecord('not a DynamoDB export line ({"Item": ...})');
  const item = record['Item'] as Record<string, AttributeValue>;
  if (!item['sk']?.S?.startsWith('ATTEMPT#')) return undefined;
  const attempt = readableAttempt(item);
  if (attempt === undefined) throw new UnreadableRecord('an attempt item without its request, model, time, tokens or cost as whole numbers');
  return {
    timestamp: timestampOf(attempt.startedAt),
    model: attempt.model,
    usage: attempt.usage,
    messages: undefined,
    maxTokens: undefined,
    toolCount: 0,
    latencyMs: attempt.latencyMs,
    failed: attempt.outcome !== 'success',
    tier: attempt.tier,
    retry: attempt.attempt > 1 || (attempt.purpose ?? 'answer') !== 'answer',
    purpose: attempt.purpose ?? 'answer',
  };
}

/** A CSV export, column names from its header (case and spacing ignored; common aliases accepted). */
export function csvColumns(header: readonly string[]): (row: readonly string[]) => AuditRequest {
  const index = (...names: string[]) => header.findIndex((name) => names.includes(name.trim().toLowerCase().replace(/[\s-]+/g, '_')));
  const columns = {
    timestamp: index('timestamp', 'time', 'date', 'created_at'),
    model: index('model', 'model_id'),
    prompt: index('prompt', 'input', 'prompt_text'),
    promptTokens: index('prompt_tokens', 'input_tokens'),
    completionTokens: index('completion_tokens', 'output_tokens'),
    cachedTokens: index('cached_tokens', 'cache_read_tokens'),
    latency: index('latency_ms', 'duration_ms'),
    status: index('status', 'status_code'),
  };
  if (columns.model < 0) throw new UnreadableRecord('the CSV header has no "model" column');
  if (columns.completionTokens < 0 || (columns.prompt < 0 && columns.promptTokens < 0)) {
    throw new UnreadableRecord('the CSV header needs "completion_tokens" and "prompt_tokens" or "prompt"');
  }
  const cell = (row: readonly string[], at: number) => (at >= 0 ? (row[at] ?? '').trim() : '');
  // An empty cell is no count; anything else must be a whole number, or the row is not trusted with money.
  const number = (text: string, name: string) => {
    if (text === '') return undefined;
    if (!/^\d+$/.test(text)) throw new UnreadableRecord(`${name} is "${text.slice(0, 40)}", not a whole number`);
    return Number(text);
  };
  // prompt_tokens (OpenAI's) counts cached tokens in; input_tokens (Anthropic's) leaves them out.
  const cachedIncluded = columns.promptTokens >= 0 && header[columns.promptTokens]!.trim().toLowerCase().replace(/[\s-]+/g, '_') === 'prompt_tokens';
  return (row) => {
    const model = cell(row, columns.model);
    if (model === '') throw new UnreadableRecord('no model');
    const prompt = columns.prompt >= 0 ? (row[columns.prompt] ?? '') : undefined;
    const cached = number(cell(row, columns.cachedTokens), 'cached_tokens') ?? 0;
    // Without a token count, the prompt's own estimate stands in (about four characters a token).
    const promptTokens = number(cell(row, columns.promptTokens), 'prompt_tokens') ?? Math.ceil((prompt ?? '').length / 4);
    const status = cell(row, columns.status);
    return {
      timestamp: timestampOf(cell(row, columns.timestamp)),
      model,
      usage: { input: cachedIncluded ? Math.max(0, promptTokens - cached) : promptTokens, output: number(cell(row, columns.completionTokens), 'completion_tokens') ?? 0, cacheRead: cached, cacheWrite: 0 },
      messages: prompt === undefined ? undefined : [{ role: 'user', content: prompt }],
      maxTokens: undefined,
      toolCount: 0,
      latencyMs: number(cell(row, columns.latency), 'latency_ms'),
      failed: /^(error|failed|[45]\d\d)$/i.test(status),
    };
  };
}

function roleOf(value: unknown): ChatMessage['role'] {
  if (value === 'developer') return 'system';
  return value === 'system' || value === 'assistant' || value === 'tool' ? value : 'user';
}

/** The text of a content value: a string, or blocks whose `key` holds text. */
function textOf(value: unknown, key: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return '';
  return value
    .map((block) => (typeof block === 'string' ? block : isObject(block) && typeof block[key] === 'string' ? block[key] : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function optionalCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** ISO text or epoch seconds or milliseconds, as ISO; `undefined` when it is neither. */
function timestampOf(value: unknown): string | undefined {
  if (typeof value === 'number') return isoOf(value < 1e12 ? value * 1000 : value < 1e15 ? value : value / 1e6);
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return timestampOf(Number(value));
  // A time without a zone is UTC, as logs write it, never this machine's zone.
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return isoOf(Date.parse(zoned));
}

/** ISO text of epoch ms, or `undefined` when it is no date at all. */
function isoOf(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}
