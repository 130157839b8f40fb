/**
 * The built-in mock provider: answers without calling any model, clearly
 * labelled as simulated, with usage figures shaped like a real model's so that
 * routing, pricing and the ledger behave as they would in production.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ToolCall } from '../core/model/tool';
import { estimateTextTokens, estimateTokens, WORDS_PER_TOKEN } from '../core/routing/token-estimate';
import { ProviderError, type ProviderFailureKind } from '../core/base/errors';
import type { ModelSpec } from '../policy/policy';
import type { CompletionCall, EmbeddingCall, Embeddings, ProviderAdapter } from '../core/model/provider';
import type { Completion, CompletionChunk } from '../core/model/completion';
import { exampleOf } from './schema-example';

export interface MockOptions {
  /** Provider id the mock stands in for (`mock`, or a simulated `bedrock`). */
  readonly provider: string;
  /** Simulated latency when the model's own `simulation` sets none. @default 0 */
  readonly latencyMs?: number;
  /** Random number in [0, 1) that decides injected faults. @default Math.random */
  readonly random?: () => number;
}

/** The HTTP status a real provider would have answered each injected fault with. */
const FAULT_STATUS: Readonly<Record<ProviderFailureKind, number | undefined>> = {
  throttled: 429,
  unavailable: 503,
  timeout: 504,
  generation_timeout: 200,
  connection: undefined,
  malformed_response: 200,
  context_length: 400,
  content_filter: 200,
  provider_auth: 401,
  model_unavailable: 404,
  rejected: 400,
};

/** Words per streamed text chunk: a few tokens each, as real models send them. */
const WORDS_PER_CHUNK = 3;

export function createMockAdapter(options: MockOptions): ProviderAdapter {
  const random = options.random ?? Math.random;
  /** The model's simulated latency, then its injected fault, if one is drawn; `input` is what a fault that read the prompt charges. */
  const simulate = async (model: ModelSpec, signal: AbortSignal, input: number): Promise<void> => {
    const { simulation } = model;
    const latencyMs = simulation.latencyMs || (options.latencyMs ?? 0);
    if (latencyMs > 0) await delay(latencyMs, signal, options.provider, model.id);
    if (simulation.failureRate > 0 && random() < simulation.failureRate) {
      const kind = simulation.failures[Math.floor(random() * simulation.failures.length)]!;
      const consumed = FAULT_STATUS[kind] === 200 ? { input, output: 12, cacheRead: 0, cacheWrite: 0 } : undefined;
      throw new ProviderError(kind, `simulated ${kind}`, {
        provider: options.provider,
        model: model.id,
        ...(FAULT_STATUS[kind] !== undefined ? { status: FAULT_STATUS[kind] } : {}),
        ...(consumed ? { usage: consumed } : {}),
      });
    }
  };
  const adapter = {
    /** Unit vectors that depend only on the text, so equal texts embed equally and similar searches are repeatable. */
    async embed(call: EmbeddingCall): Promise<Embeddings> {
      const input = call.inputs.reduce((sum, text) => sum + estimateTextTokens(text), 0);
      await simulate(call.model, call.signal, input);
      return { vectors: call.inputs.map((text) => mockVector(text, call.dimensions ?? MOCK_DIMENSIONS)), usage: { input, output: 0, cacheRead: 0, cacheWrite: 0 }, simulated: true };
    },

    async complete(call: CompletionCall): Promise<Completion> {
      const input = estimateTokens(call.messages, call.tools);
      await simulate(call.model, call.signal, input);
      const step = scriptedStep(call);
      const toolCall = step && 'toolCall' in step ? scriptedToolCall(call, step.toolCall) : forcedToolCall(call);
      if (toolCall) {
        return { content: '', toolCalls: [toolCall], finishReason: 'tool_calls', usage: { input, output: estimateTextTokens(toolCall.arguments) + 8, cacheRead: 0, cacheWrite: 0 }, simulated: true };
      }
      const answer = step && 'reply' in step ? step.reply : (call.model.simulation.reply ?? answerOf(call));
      const answerTokens = Math.ceil(answer.split(/\s+/).length / WORDS_PER_TOKEN);
      const output = Math.min(answerTokens, call.maxTokens);
      return {
        content: output < answerTokens ? truncateToTokens(answer, output) : answer,
        finishReason: output < answerTokens ? 'length' : 'stop',
        usage: { input, output, cacheRead: 0, cacheWrite: 0 },
        simulated: true,
      };
    },

    // The same latency, faults and answer as complete(): faults come before the first chunk, so the router can still fall back.
    async *stream(call: CompletionCall): AsyncGenerator<CompletionChunk> {
      const { content, toolCalls = [], finishReason, usage } = await adapter.complete(call);
      for (const [index, { id, name, arguments: text }] of toolCalls.entries()) {
        // In two pieces, as real providers stream arguments, so a client's assembly is exercised.
        const half = Math.ceil(text.length / 2);
        yield { type: 'tool_call', index, id, name, arguments: text.slice(0, half) };
        yield { type: 'tool_call', index, arguments: text.slice(half) };
      }
      const words = content === '' ? [] : content.split(/(?<=\s)(?=\S)/);
      for (let start = 0; start < words.length; start += WORDS_PER_CHUNK) {
        if (call.signal.aborted) throw cutOff(options.provider, call.model.id);
        yield { type: 'text', text: words.slice(start, start + WORDS_PER_CHUNK).join('') };
      }
      if (call.signal.aborted) throw cutOff(options.provider, call.model.id);
      yield { type: 'end', finishReason, usage };
    },
  } satisfies ProviderAdapter;
  return adapter;
}

/**
 * The mock's own answer: a note that says what it saw, in the shape asked for.
 * Asked for JSON it answers JSON, and for a schema a value of that schema, so a
 * caller's parser and validator run as they would on a real answer.
 */
function answerOf(call: CompletionCall): string {
  const lastUser = [...call.messages].reverse().find((message) => message.role === 'user');
  const words = lastUser ? lastUser.content.split(/\s+/).filter(Boolean).length : 0;
  const images = lastUser?.parts?.filter((part) => part.type === 'image').length ?? 0;
  const results = call.messages.at(-1)?.role === 'tool' ? ` It read the result of ${call.messages.filter((message) => message.role === 'tool').length} tool call(s).` : '';
  const note =
    `[simulated by Switchyard's mock provider: no model was called] ${call.model.id} would answer here. ` +
    `Your last message had ${words} words${images > 0 ? ` and ${images} image(s)` : ''} across ${call.messages.length} message(s).${results}`;
  const format = call.responseFormat;
  if (format.type === 'json_schema') return JSON.stringify(exampleOf(format.jsonSchema.schema ?? {}));
  return format.type === 'json_object' ? JSON.stringify({ simulated: true, note }) : note;
}

type ScriptStep = NonNullable<ModelSpec['simulation']['script']>[number];

/** The scripted step for this turn: step N follows N assistant messages. */
function scriptedStep(call: CompletionCall): ScriptStep | undefined {
  const turn = call.messages.filter((message) => message.role === 'assistant').length;
  return call.model.simulation.script?.[turn];
}

/** A scripted call of a tool the request offers; a tool it does not offer gets a text answer instead. */
function scriptedToolCall(call: CompletionCall, step: Extract<ScriptStep, { toolCall: unknown }>['toolCall']): ToolCall | undefined {
  const tool = call.toolChoice === 'none' ? undefined : call.tools.find((entry) => entry.name === step.name);
  return tool && mockCall(tool.name, { ...requiredArguments(tool.parameters), ...step.arguments });
}

/**
 * Only a request that forces a call gets one (`tool_choice` required or naming
 * a tool) unless a script asks for it: an agent offers its tools on every turn,
 * and a mock that called one each time would never let the session end.
 */
function forcedToolCall(call: CompletionCall): ToolCall | undefined {
  const choice = call.toolChoice;
  if (call.tools.length === 0 || call.messages.at(-1)?.role === 'tool' || (choice !== 'required' && typeof choice !== 'object')) return undefined;
  const tool = (typeof choice === 'object' && call.tools.find((entry) => entry.name === choice.name)) || call.tools[0]!;
  return mockCall(tool.name, requiredArguments(tool.parameters));
}

/** The schema's required properties, each with an example value of its schema. */
function requiredArguments(parameters: unknown): Record<string, unknown> {
  const schema = (parameters ?? {}) as { properties?: Record<string, unknown>; required?: unknown };
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : [];
  return Object.fromEntries(required.map((name) => [name, exampleOf(schema.properties?.[name], parameters)]));
}

function mockCall(name: string, args: Record<string, unknown>): ToolCall {
  return { id: `call_mock_${randomUUID().replaceAll('-', '').slice(0, 16)}`, name, arguments: JSON.stringify(args) };
}

/** Titan Text Embeddings v2's default size. */
const MOCK_DIMENSIONS = 1024;

function mockVector(text: string, dimensions: number): number[] {
  const seed = createHash('sha256').update(text).digest();
  const vector = Array.from({ length: dimensions }, (_, index) => seed[index % seed.length]! / 255 - 0.5 + Math.sin(index + seed[0]!) / 4);
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

function truncateToTokens(text: string, tokens: number): string {
  return text
    .split(/\s+/)
    .slice(0, Math.max(1, Math.floor(tokens * WORDS_PER_TOKEN)))
    .join(' ');
}

function cutOff(provider: string, model: string): ProviderError {
  return new ProviderError('timeout', 'simulated call cut off by the deadline', { provider, model });
}

function delay(ms: number, signal: AbortSignal, provider: string, model: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timeout = () => reject(cutOff(provider, model));
    if (signal.aborted) return timeout();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      timeout();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
