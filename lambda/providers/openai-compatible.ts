/**
 * OpenAI chat-completions over fetch: OpenAI itself and every host that speaks
 * its wire format (Groq, Together, vLLM, Ollama, LM Studio, ...).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ToolCall } from '../core/model/tool';
import { wireToolCall } from '../core/surfaces/openai-chat/parse-request';
import type { ChatMessage } from '../core/model/message';
import { ProviderError, type ProviderErrorDetails, type ProviderFailureKind } from '../core/base/errors';
import type { CompletionCall, EmbeddingCall, Embeddings, ProviderAdapter } from '../core/model/provider';
import type { Completion, CompletionChunk, FinishReason } from '../core/model/completion';
import { NO_USAGE } from '../core/content/token-usage';
import type { TokenUsage } from '../core/model/usage';
import type { ApiKeySource } from './api-keys';
import { connectionFailure, failureKindOfStatus } from './failure-kinds';

export interface OpenAiCompatibleOptions {
  /** Provider id from the policy, e.g. `openai`. */
  readonly provider: string;
  /** Base URL up to and including `/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer`; none for hosts that take none (local ones). */
  readonly apiKey: ApiKeySource | undefined;
  /**
   * OpenAI's reasoning models refuse `max_tokens`; most other hosts only know it.
   * @default 'max_completion_tokens'
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

interface WireError {
  message?: string;
  /** OpenAI sends a string; some hosts (vLLM) put the HTTP status here. */
  code?: string | number | null;
  type?: string | null;
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireResponse {
  choices?: { message?: { content?: string | null; tool_calls?: WireToolCall[] | null }; finish_reason?: string | null }[];
  usage?: WireUsage;
  error?: WireError;
}

/** One `data:` event of a streamed answer (`chat.completion.chunk`), or an error event. */
interface WireChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: WireToolCall[] | null }; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
  error?: WireError;
}

type Fail = (kind: ProviderFailureKind, message: string, details?: Omit<ProviderErrorDetails, 'provider' | 'model'>) => ProviderError;

const CONTEXT_LENGTH = /context[_ ]length|maximum context|too many tokens|prompt is too long|reduce the length/i;

export function createOpenAiCompatibleAdapter(options: OpenAiCompatibleOptions): ProviderAdapter {
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxTokensField = options.maxTokensField ?? 'max_completion_tokens';

  const failFor =
    (call: CompletionCall): Fail =>
    (kind, message, details = {}) =>
      new ProviderError(kind, message, { provider: options.provider, model: call.model.id, ...details });

  /** Sends the request; resolves once the response headers are in. */
  async function post(call: CompletionCall, stream: boolean, signal: AbortSignal, fail: Fail): Promise<Response> {
    const body: Record<string, unknown> = {
      model: call.model.providerModelId,
      messages: call.messages.map(wireMessage),
      [maxTokensField]: call.maxTokens,
    };
    if (call.tools.length > 0) {
      body['tools'] = call.tools.map(({ name, description, parameters, strict }) => ({ type: 'function', function: { name, description, parameters, strict } }));
      const choice = call.toolChoice;
      if (choice !== undefined) body['tool_choice'] = typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice;
      if (call.parallelToolCalls !== undefined) body['parallel_tool_calls'] = call.parallelToolCalls;
    }
    if (call.reasoning) body['reasoning_effort'] = call.reasoning.effort ?? effortOf(call.reasoning.budgetTokens ?? 0);
    if (call.temperature !== undefined) body['temperature'] = call.temperature;
    if (call.topP !== undefined) body['top_p'] = call.topP;
    if (call.stop !== undefined) body['stop'] = call.stop;
    if (call.responseFormat.type === 'json_object') body['response_format'] = { type: 'json_object' };
    if (call.responseFormat.type === 'json_schema') {
      const { name, description, schema, strict } = call.responseFormat.jsonSchema;
      body['response_format'] = { type: 'json_schema', json_schema: { name, description, schema, strict } };
    }
    if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
    return postJson('/chat/completions', body, stream, signal, call.signal, fail);
  }

  /** POSTs a JSON body below the base URL; `deadline` is the call's own signal, which tells a timeout from a cancel. */
  async function postJson(path: string, body: unknown, stream: boolean, signal: AbortSignal, deadline: AbortSignal, fail: Fail): Promise<Response> {
    const send = async (key: string | undefined) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
      if (key) headers['authorization'] = `Bearer ${key}`;
      return fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
    };
    try {
      const key = await options.apiKey?.get();
      const response = await send(key);
      if (response.status !== 401 || !options.apiKey) return response;
      // Refused: the key may have been rotated since it was read. One fresh read, one more try.
      const fresh = await options.apiKey.refresh();
      if (fresh === key) return response;
      await response.body?.cancel();
      return await send(fresh);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw fail(...connectionFailure(error, deadline), { cause: error });
    }
  }

  async function readText(response: Response, call: Pick<CompletionCall, 'signal'>, fail: Fail): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw fail(...connectionFailure(error, call.signal), { cause: error });
    }
  }

  return {
    async embed(call: EmbeddingCall): Promise<Embeddings> {
      const fail: Fail = (kind, message, details = {}) => new ProviderError(kind, message, { provider: options.provider, model: call.model.id, ...details });
      const body = { model: call.model.providerModelId, input: call.inputs, encoding_format: 'float', ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}) };
      const response = await postJson('/embeddings', body, false, call.signal, call.signal, fail);
      const text = await readText(response, call, fail);
      const parsed = parseJson<{ data?: { index?: number; embedding?: unknown }[]; usage?: WireUsage }>(text);
      if (!response.ok) throw statusFailure(response, text, parsed as WireResponse | undefined, fail);
      const vectors = [...(parsed?.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((entry) => entry.embedding);
      if (vectors.length !== call.inputs.length || !vectors.every(isNumberArray) || !parsed?.usage) {
        throw fail('malformed_response', 'response has no embedding per input, or no usage', { status: 200 });
      }
      return { vectors, usage: { ...NO_USAGE, input: parsed.usage.prompt_tokens ?? 0 }, simulated: false };
    },

    async complete(call: CompletionCall): Promise<Completion> {
      const fail = failFor(call);
      const response = await post(call, false, call.signal, fail);
      const text = await readText(response, call, fail);
      if (!response.ok) throw statusFailure(response, text, parseJson<WireResponse>(text), fail);
      return wholeCompletion(text, fail);
    },

    async *stream(call: CompletionCall): AsyncGenerator<CompletionChunk> {
      const fail = failFor(call);
      // Ours to abort when the consumer stops early, so the provider stops generating (and billing).
      const cancel = new AbortController();
      try {
        const response = await post(call, true, AbortSignal.any([call.signal, cancel.signal]), fail);
        if (!response.ok) {
          const text = await readText(response, call, fail);
          throw statusFailure(response, text, parseJson<WireResponse>(text), fail);
        }
        if (!response.body) throw fail('malformed_response', 'the streamed response has no body', { status: 200 });
        if (!/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
          // A host that ignores `stream: true` answers in one piece: take it as one.
          const { content, toolCalls = [], finishReason, usage } = wholeCompletion(await readText(response, call, fail), fail);
          if (content !== '') yield { type: 'text', text: content };
          for (const [index, { id, name, arguments: piece }] of toolCalls.entries()) yield { type: 'tool_call', index, id, name, arguments: piece };
          yield { type: 'end', finishReason, usage };
          return;
        }

        const events: EventSourceMessage[] = [];
        const parser = createParser({ onEvent: (event) => events.push(event), maxBufferSize: MAX_EVENT_CHARACTERS });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let usage: TokenUsage | undefined;
        let finishReason: string | null | undefined;
        const begunCalls = new Set<number>();
        // Everything after the headers: the provider answered 200, and any usage it reported so far is charged.
        const late = (kind: ProviderFailureKind, message: string, cause?: unknown) => fail(kind, message, { status: 200, usage, cause });

        for (;;) {
          let read: Awaited<ReturnType<typeof reader.read>>;
          try {
            read = await reader.read();
          } catch (error) {
            const [kind, message] = connectionFailure(error, call.signal);
            throw late(kind, `${message} (mid-stream)`, error);
          }
          if (read.done) throw late('connection', 'the stream ended without [DONE]');
          try {
            parser.feed(decoder.decode(read.value, { stream: true }));
          } catch (error) {
            throw late('malformed_response', `an event is longer than ${MAX_EVENT_CHARACTERS} characters`, error);
          }

          for (const event of events.splice(0)) {
            if (event.data === '[DONE]') {
              if (finishReason === 'content_filter') throw late('content_filter', 'the provider withheld the answer (finish_reason content_filter)');
              const reason = finishReasonOf(finishReason);
              if (!reason) throw late('malformed_response', `unexpected finish_reason "${finishReason}"`);
              yield { type: 'end', finishReason: reason, usage };
              return;
            }
            const chunk = parseJson<WireChunk>(event.data);
            if (!chunk || typeof chunk !== 'object') throw late('malformed_response', 'a streamed event is not JSON');
            if (chunk.error || event.event === 'error') {
              const error = chunk.error ?? {};
              throw late(classifyStatus(statusOfStreamError(error), error), `error event: ${error.message ?? 'no message'}`);
            }
            if (chunk.usage) usage = normaliseUsage(chunk.usage);
            const choice = chunk.choices?.[0];
            if (choice?.finish_reason) finishReason = choice.finish_reason;
            const text = choice?.delta?.content;
            if (typeof text === 'string' && text !== '') yield { type: 'text', text };
            for (const call of choice?.delta?.tool_calls ?? []) {
              if (typeof call.index !== 'number') throw late('malformed_response', 'a streamed tool call has no index');
              const piece = call.function?.arguments ?? '';
              // Some hosts repeat the id on every piece: only a call's first piece starts it.
              if (call.id !== undefined && !begunCalls.has(call.index)) {
                begunCalls.add(call.index);
                yield { type: 'tool_call', index: call.index, id: call.id, name: call.function?.name ?? '', arguments: piece };
              } else if (piece !== '') yield { type: 'tool_call', index: call.index, arguments: piece };
            }
          }
        }
      } finally {
        cancel.abort();
      }
    },
  };
}

/** A whole (non-streamed) 200 answer, or the failure it stands for. */
function wholeCompletion(text: string, fail: Fail): Completion {
  const parsed = parseJson<WireResponse>(text);
  const usage = parsed?.usage ? normaliseUsage(parsed.usage) : undefined;
  if (!parsed || typeof parsed !== 'object') throw fail('malformed_response', 'response body is not JSON', { status: 200 });
  const choice = parsed.choices?.[0];
  if (choice?.finish_reason === 'content_filter') {
    throw fail('content_filter', 'the provider withheld the answer (finish_reason content_filter)', { status: 200, usage });
  }
  const toolCalls = (choice?.message?.tool_calls ?? []).map(
    (call): ToolCall => ({ id: call.id ?? '', name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' }),
  );
  // A turn that only calls tools has null content.
  const content = choice?.message?.content ?? (toolCalls.length > 0 ? '' : undefined);
  if (typeof content !== 'string' || !usage) {
    throw fail('malformed_response', 'response has no choices[0].message.content or no usage', { status: 200, usage });
  }
  const finishReason = finishReasonOf(choice?.finish_reason);
  if (!finishReason) throw fail('malformed_response', `unexpected finish_reason "${choice?.finish_reason}"`, { status: 200, usage });
  return { content, ...(toolCalls.length > 0 ? { toolCalls } : {}), finishReason, usage, simulated: false };
}

/** An Anthropic thinking budget as the nearest OpenAI effort. */
function effortOf(budgetTokens: number): 'low' | 'medium' | 'high' {
  return budgetTokens <= 2048 ? 'low' : budgetTokens <= 8192 ? 'medium' : 'high';
}

/** OpenAI's finish reasons that end an answer; `function_call` is the legacy name for `tool_calls`. */
function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  if (reason === 'stop' || reason === 'length' || reason === 'tool_calls') return reason;
  return reason === 'function_call' ? 'tool_calls' : undefined;
}

/** A message in OpenAI's request shape: images as `image_url` parts, tool calls and results as OpenAI sends them. */
function wireMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  const content = message.parts
    ? message.parts.map((part) => (part.type === 'text' ? part : { type: 'image_url', image_url: { url: part.image.url, detail: part.image.detail } }))
    : message.content;
  if (!message.toolCalls) return { role: message.role, content };
  return { role: message.role, content: message.content === '' ? null : content, tool_calls: message.toolCalls.map(wireToolCall) };
}

/** Longest single event the parser buffers: a stream that never ends one is broken, not slow. */
const MAX_EVENT_CHARACTERS = 1 << 20;

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'number');
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A non-2xx answer, the same way whether or not the call asked for a stream. */
function statusFailure(response: Response, text: string, parsed: WireResponse | undefined, fail: Fail): ProviderError {
  const status = response.status;
  const message = `HTTP ${status}: ${parsed?.error?.message ?? (text.slice(0, 200) || response.statusText)}`;
  return fail(classifyStatus(status, parsed?.error), message, { status, retryAfterMs: retryAfterMs(response.headers) });
}

function normaliseUsage(usage: WireUsage): TokenUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return { input: prompt - cached, output: usage.completion_tokens ?? 0, cacheRead: cached, cacheWrite: 0, ...(typeof reasoning === 'number' && reasoning > 0 ? { reasoning } : {}) };
}

/** OpenAI's error codes first (a spent quota is an account problem, not a rate limit), then the status. */
function classifyStatus(status: number, error: WireError | undefined): ProviderFailureKind {
  const code = error?.code ?? error?.type ?? '';
  const kind = failureKindOfStatus(status);
  if (kind === 'throttled' && code === 'insufficient_quota') return 'provider_auth';
  if (kind === 'rejected' && (code === 'context_length_exceeded' || CONTEXT_LENGTH.test(error?.message ?? ''))) return 'context_length';
  return kind;
}

/**
 * An error event inside a 200 stream has no status of its own: read the one its
 * code or type stands for, so it sorts like the same error before the stream.
 * Anything unrecognised broke after the provider accepted the request: a server fault.
 */
const STREAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  rate_limit_exceeded: 429,
  rate_limit_error: 429,
  insufficient_quota: 429,
  context_length_exceeded: 400,
  invalid_request_error: 400,
  invalid_api_key: 401,
  authentication_error: 401,
  permission_error: 403,
  server_error: 500,
  api_error: 500,
  service_unavailable: 503,
  overloaded_error: 503,
  timeout: 504,
};

function statusOfStreamError(error: WireError): number {
  if (typeof error.code === 'number' && error.code >= 400 && error.code <= 599) return error.code;
  for (const key of [error.code, error.type]) {
    if (typeof key === 'string' && Object.hasOwn(STREAM_ERROR_STATUS, key)) return STREAM_ERROR_STATUS[key]!;
  }
  return 500;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.ceil(milliseconds);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
