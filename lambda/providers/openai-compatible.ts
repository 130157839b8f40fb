/**
 * OpenAI chat-completions over fetch: OpenAI itself and every host that speaks
 * its wire format (Groq, Together, vLLM, Ollama, LM Studio, ...).
 */
import { ProviderError, type ProviderFailureKind } from '../core/errors';
import type { Completion, CompletionCall, ProviderAdapter } from '../core/provider';
import type { TokenUsage } from '../core/usage';
import { connectionFailure, failureKindOfStatus } from './failure-kinds';

export interface OpenAiCompatibleOptions {
  /** Provider id from the policy, e.g. `openai`. */
  readonly provider: string;
  /** Base URL up to and including `/v1`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer`; omitted when undefined (local hosts). */
  readonly apiKey: string | undefined;
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
}

interface WireResponse {
  choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: WireUsage;
  error?: { message?: string; code?: string | null; type?: string | null };
}

const CONTEXT_LENGTH = /context[_ ]length|maximum context|too many tokens|prompt is too long|reduce the length/i;

export function createOpenAiCompatibleAdapter(options: OpenAiCompatibleOptions): ProviderAdapter {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const maxTokensField = options.maxTokensField ?? 'max_completion_tokens';
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers['authorization'] = `Bearer ${options.apiKey}`;

  return {
    async complete(call: CompletionCall): Promise<Completion> {
      const model = call.model.id;
      const fail = (kind: ProviderFailureKind, message: string, extra: Partial<ConstructorParameters<typeof ProviderError>[2]> = {}) =>
        new ProviderError(kind, message, { provider: options.provider, model, ...extra });

      const body: Record<string, unknown> = {
        model: call.model.providerModelId,
        messages: call.messages,
        [maxTokensField]: call.maxTokens,
      };
      if (call.temperature !== undefined) body['temperature'] = call.temperature;
      if (call.topP !== undefined) body['top_p'] = call.topP;
      if (call.stop !== undefined) body['stop'] = call.stop;

      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: call.signal });
        text = await response.text();
      } catch (error) {
        throw fail(...connectionFailure(error, call.signal), { cause: error });
      }

      let parsed: WireResponse | undefined;
      try {
        parsed = JSON.parse(text) as WireResponse;
      } catch {
        parsed = undefined;
      }
      const usage = parsed?.usage ? normaliseUsage(parsed.usage) : undefined;

      if (!response.ok) {
        const status = response.status;
        const message = `HTTP ${status}: ${parsed?.error?.message ?? (text.slice(0, 200) || response.statusText)}`;
        throw fail(classifyStatus(status, parsed?.error), message, {
          status,
          retryAfterMs: retryAfterMs(response.headers),
        });
      }
      if (!parsed || typeof parsed !== 'object') throw fail('malformed_response', 'response body is not JSON', { status: 200 });
      const choice = parsed.choices?.[0];
      if (choice?.finish_reason === 'content_filter') {
        throw fail('content_filter', 'the provider withheld the answer (finish_reason content_filter)', { status: 200, usage });
      }
      const content = choice?.message?.content;
      if (typeof content !== 'string' || !usage) {
        throw fail('malformed_response', 'response has no choices[0].message.content or no usage', { status: 200, usage });
      }
      if (choice?.finish_reason !== 'stop' && choice?.finish_reason !== 'length') {
        throw fail('malformed_response', `unexpected finish_reason "${choice?.finish_reason}"`, { status: 200, usage });
      }
      return { content, finishReason: choice.finish_reason, usage, simulated: false };
    },
  };
}

function normaliseUsage(usage: WireUsage): TokenUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  return { input: prompt - cached, output: usage.completion_tokens ?? 0, cacheRead: cached, cacheWrite: 0 };
}

/** OpenAI's error codes first (a spent quota is an account problem, not a rate limit), then the status. */
function classifyStatus(status: number, error: WireResponse['error']): ProviderFailureKind {
  const code = error?.code ?? error?.type ?? '';
  const kind = failureKindOfStatus(status);
  if (kind === 'throttled' && code === 'insufficient_quota') return 'provider_auth';
  if (kind === 'rejected' && (code === 'context_length_exceeded' || CONTEXT_LENGTH.test(error?.message ?? ''))) return 'context_length';
  return kind;
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
