/**
 * Chat completions: the request, a whole answer parsed, and a streamed one
 * read event by event into completion chunks.
 */
import type { ProviderFailureKind } from '../../core/base/errors';
import type { ToolCall } from '../../core/model/tool';
import type { CompletionCall } from '../../core/model/provider';
import type { Completion, CompletionChunk } from '../../core/model/completion';
import type { TokenUsage } from '../../core/model/usage';
import { readText, type Fail } from '../call-failure';
import { serverSentEvents } from '../server-sent-events';
import { effortOf } from '../reasoning-budgets';
import type { WireChunk, WireResponse } from './api-types';
import { wireMessage } from './convert-to-openai-messages';
import { normaliseUsage } from './convert-usage';
import { classifyStatus, statusFailure, statusOfStreamError } from './errors';
import { finishReasonOf } from './map-finish-reason';
import { parseJson, type PostJson } from './post-json';
import { toolFieldsOf } from './prepare-tools';

/** What chat needs from the adapter: how to reach the host, and the name it knows the output limit by. */
export interface ChatSettings {
  readonly postJson: PostJson;
  readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

/** Sends the request; resolves once the response headers are in. */
async function post(settings: ChatSettings, call: CompletionCall, stream: boolean, signal: AbortSignal, fail: Fail): Promise<Response> {
  const body: Record<string, unknown> = {
    model: call.model.providerModelId,
    messages: call.messages.map(wireMessage),
    [settings.maxTokensField]: call.maxTokens,
  };
  Object.assign(body, toolFieldsOf(call));
  if (call.reasoning) body['reasoning_effort'] = call.reasoning.effort ?? effortOf(call.reasoning.budgetTokens ?? 0);
  if (call.temperature !== undefined) body['temperature'] = call.temperature;
  if (call.topP !== undefined) body['top_p'] = call.topP;
  if (call.stop !== undefined) body['stop'] = call.stop;
  if (call.promptCacheKey !== undefined) body['prompt_cache_key'] = call.promptCacheKey;
  if (call.responseFormat.type === 'json_object') body['response_format'] = { type: 'json_object' };
  if (call.responseFormat.type === 'json_schema') {
    const { name, description, schema, strict } = call.responseFormat.jsonSchema;
    body['response_format'] = { type: 'json_schema', json_schema: { name, description, schema, strict } };
  }
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return settings.postJson('/chat/completions', body, stream, signal, call.signal, fail);
}

export async function completeChat(settings: ChatSettings, call: CompletionCall, fail: Fail): Promise<Completion> {
  const response = await post(settings, call, false, call.signal, fail);
  const text = await readText(response, call, fail);
  if (!response.ok) throw statusFailure(response, text, parseJson<WireResponse>(text), fail);
  return wholeCompletion(text, fail);
}

export async function* streamChat(settings: ChatSettings, call: CompletionCall, fail: Fail): AsyncGenerator<CompletionChunk> {
  // Ours to abort when the consumer stops early, so the provider stops generating (and billing).
  const cancel = new AbortController();
  try {
    const response = await post(settings, call, true, AbortSignal.any([call.signal, cancel.signal]), fail);
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

    let usage: TokenUsage | undefined;
    let finishReason: string | null | undefined;
    const begunCalls = new Set<number>();
    // Everything after the headers: the provider answered 200, and any usage it reported so far is charged.
    const late = (kind: ProviderFailureKind, message: string, cause?: unknown) => fail(kind, message, { status: 200, usage, cause });

    for await (const event of serverSentEvents(response.body, call.signal, late)) {
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
    throw late('connection', 'the stream ended without [DONE]');
  } finally {
    cancel.abort();
  }
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
