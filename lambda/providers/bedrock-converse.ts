/**
 * Amazon Bedrock through the Converse API, one request shape for every model
 * family (Nova, Claude, Llama, Mistral, ...).
 */
import {
  BedrockRuntimeClient,
  CachePointType,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  InvokeModelCommand,
  type ImageFormat as BedrockImageFormat,
  type Message,
  type SystemContentBlock,
  type ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { decodeDataUrl } from '../core/content/images';
import type { ContentPart, ChatMessage } from '../core/model/message';
import type { ReasoningBlock } from '../core/model/reasoning';
import type { ToolCall } from '../core/model/tool';
import { ProviderError, type ProviderFailureKind } from '../core/base/errors';
import type { CompletionCall, EmbeddingCall, Embeddings, ProviderAdapter } from '../core/model/provider';
import type { Completion, CompletionChunk, FinishReason } from '../core/model/completion';
import type { TokenUsage } from '../core/model/usage';
import { connectionFailure, failureKindOfStatus } from './failure-kinds';

export interface BedrockOptions {
  /** Provider id from the policy, normally `bedrock`. */
  readonly provider: string;
  /** A client with `maxAttempts: 1`: retrying is the fallback chain's job. */
  readonly client: BedrockRuntimeClient;
}

export interface BedrockClientOptions {
  /** @default the region the code runs in */
  readonly region?: string;
  /** Sends calls here instead of AWS (the tests' local Bedrock server). */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * A client configured for the router: no SDK-level retries (the fallback
 * chain owns retrying), HTTP/1.1 with keep-alive (Converse needs nothing
 * newer), and a short connect timeout so a dead endpoint fails fast.
 */
export function createBedrockClient(options: BedrockClientOptions = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 3000,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    }),
  });
}

const TITAN_EMBEDDINGS = /^amazon\.titan-embed-text-v2/;
const COHERE_EMBEDDINGS = /(?:^|\.)cohere\.embed-/;
/** Cohere Embed's limit on texts per call. */
const COHERE_TEXTS_PER_CALL = 96;

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'number');
}

/** Calls' vectors in order, and their tokens summed: embedding models write no output. */
function embeddingsOf(results: readonly { readonly vectors: readonly number[][]; readonly tokens: number }[]): Embeddings {
  return {
    vectors: results.flatMap((result) => result.vectors),
    usage: { input: results.reduce((sum, result) => sum + result.tokens, 0), output: 0, cacheRead: 0, cacheWrite: 0 },
    simulated: false,
  };
}

/** Claude 4.5 and later, in any inference profile. */
const CLAUDE_ONE_SAMPLER = /anthropic\.claude-[a-z]+-(?:4-[5-9]|[5-9])/;

/** Claude's thinking budget for each OpenAI effort; Claude's minimum is 1,024 tokens. */
const THINKING_BUDGETS = { minimal: 1024, low: 2048, medium: 8192, high: 24_576 } as const;
const MIN_THINKING_BUDGET = 1024;

/**
 * Reasoning as Claude's extended thinking, by rule:
 * - the effort becomes a thinking budget (minimal 1,024, low 2,048, medium 8,192, high 24,576
 *   tokens), kept below `max_tokens`; with no room for 1,024 tokens, thinking stays off;
 * - a turn that answers tool calls keeps thinking off: Claude then wants its earlier thinking
 *   blocks back, which no surface here carries;
 * - thinking takes no `temperature` and no `top_p` below 0.95: they are dropped.
 */
function fitThinking(call: Omit<CompletionCall, 'signal'>): { call: Omit<CompletionCall, 'signal'>; adjusted: string[] } {
  const off = (why: string) => ({ call: { ...call, reasoning: undefined }, adjusted: [`thinking off (${why})`] });
  if (!/anthropic\.claude/.test(call.model.providerModelId)) return off(`${call.model.id} is not a Claude model`);
  const lastAssistant = [...call.messages].reverse().find((message) => message.role === 'assistant');
  if (lastAssistant?.toolCalls && !lastAssistant.reasoning?.length) return off('the tool calls being answered came without their thinking blocks');
  const asked = call.reasoning!.budgetTokens ?? THINKING_BUDGETS[call.reasoning!.effort ?? 'medium'];
  const budget = Math.min(asked, call.maxTokens - 1);
  if (budget < MIN_THINKING_BUDGET) return off(`max_tokens ${call.maxTokens} leaves no room for 1024 thinking tokens`);
  const adjusted = budget < asked ? [`thinking budget ${asked}->${budget} (under max_tokens)`] : [];
  let fitted: Omit<CompletionCall, 'signal'> = { ...call, reasoning: { budgetTokens: budget } };
  if (fitted.temperature !== undefined) {
    fitted = { ...fitted, temperature: undefined };
    adjusted.push('temperature dropped (Claude thinking takes none)');
  }
  if (fitted.topP !== undefined && fitted.topP < 0.95) {
    fitted = { ...fitted, topP: undefined };
    adjusted.push('top_p dropped (Claude thinking takes 0.95 or more)');
  }
  return { call: fitted, adjusted };
}

/** What a tool call nobody answered is answered with, so Converse takes the conversation. */
export const MISSING_TOOL_RESULT = 'No result was sent for this call.';

/**
 * Requests Bedrock is known to refuse, rewritten into ones it takes, by rule:
 * - Claude 4.5 and later refuse `temperature` with `top_p`: `top_p` is dropped;
 * - Converse refuses a tool call without a result in the next turn: each
 *   unanswered call gets a result saying none was sent.
 * (OpenAI's `developer` role is already a system message, and tool names are
 * checked at the edge against the pattern Converse also uses.)
 */
export function fitForBedrock(call: Omit<CompletionCall, 'signal'>): { call: Omit<CompletionCall, 'signal'>; adjusted: string[] } {
  const adjusted: string[] = [];
  let fitted = call;
  if (fitted.reasoning !== undefined) {
    const thinking = fitThinking(fitted);
    fitted = thinking.call;
    adjusted.push(...thinking.adjusted);
  }
  if (fitted.temperature !== undefined && fitted.topP !== undefined && CLAUDE_ONE_SAMPLER.test(fitted.model.providerModelId)) {
    fitted = { ...fitted, topP: undefined };
    adjusted.push('top_p dropped (Claude 4.5 takes temperature or top_p)');
  }
  // Each turn's missing results go with the results it got: after them, or right after the calls.
  const source = fitted.messages;
  const messages: ChatMessage[] = [];
  const unanswered: string[] = [];
  for (let index = 0; index < source.length; ) {
    const message = source[index]!;
    messages.push(message);
    index += 1;
    // A turn of calls that ends the conversation is not answered yet: nothing is missing.
    if (!message.toolCalls || index === source.length) continue;
    const answered = new Set<string>();
    for (; source[index]?.role === 'tool'; index += 1) {
      answered.add(source[index]!.toolCallId!);
      messages.push(source[index]!);
    }
    for (const toolCall of message.toolCalls.filter((call) => !answered.has(call.id))) {
      unanswered.push(toolCall.id);
      messages.push({ role: 'tool', content: MISSING_TOOL_RESULT, toolCallId: toolCall.id });
    }
  }
  if (unanswered.length > 0) {
    fitted = { ...fitted, messages };
    adjusted.push(`empty results added for unanswered tool calls ${unanswered.join(' ')}`);
  }
  return { call: fitted, adjusted };
}
/** Titan embeds one text a call: this many calls at once per request. */
const EMBEDDING_CONCURRENCY = 8;

/** `work` over every item, at most `limit` at a time, results in order; the first failure rejects. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * What Bedrock says when a model is not enabled for the account (model access, or its
 * marketplace subscription), not offered in the region, or offered only through an
 * inference profile: another candidate may still answer, so these move the chain on.
 */
const MODEL_UNAVAILABLE =
  /don't have access to the model|not authorized to access (this|the) model|model access|aws-marketplace|on-demand throughput isn.t supported|inference profile|not available in this region|model identifier is invalid/i;
const MODEL_ACCESS_ADVICE =
  '(Enable the model under Model access in the Bedrock console for this account and region, or use an inference profile the region offers.)';

const CONTEXT_LENGTH = /too long|context (limit|window)|too many total text bytes|maximum context/i;

const ERRORS_BY_NAME: Readonly<Record<string, ProviderFailureKind>> = {
  ThrottlingException: 'throttled',
  ModelNotReadyException: 'throttled',
  ServiceQuotaExceededException: 'throttled',
  ModelTimeoutException: 'timeout',
  InternalServerException: 'unavailable',
  ServiceUnavailableException: 'unavailable',
  ModelErrorException: 'unavailable',
  ModelStreamErrorException: 'unavailable',
  AccessDeniedException: 'provider_auth',
  ResourceNotFoundException: 'model_unavailable',
  UnrecognizedClientException: 'provider_auth',
  ExpiredTokenException: 'provider_auth',
  InvalidSignatureException: 'provider_auth',
};

export function createBedrockAdapter(options: BedrockOptions): ProviderAdapter {
  const failFor =
    (call: CompletionCall): Fail =>
    (kind, message, extra = {}) =>
      new ProviderError(kind, message, { provider: options.provider, model: call.model.id, ...extra });

  return {
    adjust: fitForBedrock,

    /**
     * Embeddings through InvokeModel: Titan Text Embeddings v2 one text a call
     * (a few at a time), each with its own token count; Cohere Embed up to 96
     * texts a call, counted by the input-token header Bedrock adds.
     */
    async embed(call: EmbeddingCall): Promise<Embeddings> {
      const fail: Fail = (kind, message, extra = {}) => new ProviderError(kind, message, { provider: options.provider, model: call.model.id, ...extra });
      const modelId = call.model.providerModelId;
      /** One InvokeModel call: its JSON answer, and the input tokens Bedrock counted in its header. */
      const invoke = async (body: unknown): Promise<{ answer: Record<string, unknown> | undefined; headerTokens: number | undefined }> => {
        const command = new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) });
        let headerTokens: number | undefined;
        command.middlewareStack.add(
          (next) => async (args) => {
            const result = await next(args);
            const header = (result.response as { headers?: Record<string, string> }).headers?.['x-amzn-bedrock-input-token-count'];
            if (header !== undefined && /^\d+$/.test(header)) headerTokens = Number(header);
            return result;
          },
          { step: 'deserialize', name: 'switchyardInputTokenCount' },
        );
        let output;
        try {
          output = await options.client.send(command, { abortSignal: call.signal });
        } catch (error) {
          throw classifySdkError(error, call.signal, fail);
        }
        try {
          return { answer: JSON.parse(new TextDecoder().decode(output.body)) as Record<string, unknown>, headerTokens };
        } catch {
          return { answer: undefined, headerTokens };
        }
      };
      const malformed = (what: string) => fail('malformed_response', `response has no ${what}`, { status: 200 });

      if (TITAN_EMBEDDINGS.test(modelId)) {
        const results = await mapLimited(call.inputs, EMBEDDING_CONCURRENCY, async (text) => {
          const { answer } = await invoke({ inputText: text, ...(call.dimensions !== undefined ? { dimensions: call.dimensions } : {}), normalize: true });
          const vector = answer?.['embedding'];
          const tokens = answer?.['inputTextTokenCount'];
          if (!isVector(vector) || typeof tokens !== 'number') throw malformed('embedding or no inputTextTokenCount');
          return { vectors: [vector], tokens };
        });
        return embeddingsOf(results);
      }
      if (COHERE_EMBEDDINGS.test(modelId)) {
        const batches = Array.from({ length: Math.ceil(call.inputs.length / COHERE_TEXTS_PER_CALL) }, (_, index) =>
          call.inputs.slice(index * COHERE_TEXTS_PER_CALL, (index + 1) * COHERE_TEXTS_PER_CALL),
        );
        const results = await mapLimited(batches, EMBEDDING_CONCURRENCY, async (texts) => {
          const dimensions = call.dimensions !== undefined && /embed-v4/.test(modelId) ? { output_dimension: call.dimensions } : {};
          const { answer, headerTokens } = await invoke({ texts, input_type: 'search_document', embedding_types: ['float'], ...dimensions });
          const embeddings = answer?.['embeddings'];
          const vectors = Array.isArray(embeddings) ? embeddings : (embeddings as { float?: unknown } | undefined)?.float;
          if (!Array.isArray(vectors) || vectors.length !== texts.length || !vectors.every(isVector)) throw malformed('float embedding per text');
          if (headerTokens === undefined) throw malformed('x-amzn-bedrock-input-token-count header');
          return { vectors, tokens: headerTokens };
        });
        return embeddingsOf(results);
      }
      throw fail('rejected', `${modelId} is not an embedding model Switchyard calls on Bedrock (Titan Text Embeddings v2 and Cohere Embed are)`);
    },

    async complete(call: CompletionCall): Promise<Completion> {
      const fail = failFor(call);
      let output: ConverseCommandOutput;
      try {
        output = await options.client.send(new ConverseCommand(converseRequest(call)), { abortSignal: call.signal });
      } catch (error) {
        throw classifySdkError(error, call.signal, fail);
      }

      const usage = output.usage ? normaliseUsage(output.usage) : undefined;
      const json = asksForJson(call);
      const finishReason = finishReasonOf(output.stopReason, json, (kind, message) => fail(kind, message, { status: 200, usage }));
      const blocks = output.output?.message?.content;
      if (blocks === undefined || !usage) {
        throw fail('malformed_response', 'response has no output.message.content or no usage', { status: 200, usage });
      }
      if (json) {
        // The answer is the forced tool's input: JSON that fits the schema.
        const answer = blocks.find((block) => block.toolUse?.name === JSON_TOOL)?.toolUse?.input;
        if (answer === undefined) throw fail('malformed_response', `the model did not call ${JSON_TOOL}`, { status: 200, usage });
        return { content: JSON.stringify(answer), finishReason, usage, simulated: false };
      }
      const text = blocks.map((block) => block.text ?? '').join('');
      const toolCalls = blocks.flatMap((block): ToolCall[] =>
        block.toolUse ? [{ id: block.toolUse.toolUseId ?? '', name: block.toolUse.name ?? '', arguments: JSON.stringify(block.toolUse.input ?? {}) }] : [],
      );
      const reasoning = blocks.flatMap((block): ReasoningBlock[] => {
        const content = block.reasoningContent;
        if (content?.reasoningText) return [{ text: content.reasoningText.text ?? '', signature: content.reasoningText.signature ?? '' }];
        if (content?.redactedContent) return [{ redacted: Buffer.from(content.redactedContent).toString('base64') }];
        return [];
      });
      return { content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}), ...(reasoning.length > 0 ? { reasoning } : {}), finishReason, usage, simulated: false };
    },

    async *stream(call: CompletionCall): AsyncGenerator<CompletionChunk> {
      let usage: TokenUsage | undefined;
      // Every failure carries the usage reported so far: a metadata event comes last, so usually none.
      const fail: Fail = (kind, message, extra = {}) => failFor(call)(kind, message, { usage, ...extra });
      // Ours to abort when the consumer stops early, so Bedrock stops generating (and billing).
      const cancel = new AbortController();
      let stopReason: string | undefined;
      const json = asksForJson(call);
      try {
        try {
          const output = await options.client.send(new ConverseStreamCommand(converseRequest(call)), {
            abortSignal: AbortSignal.any([call.signal, cancel.signal]),
          });
          // Converse numbers every content block; tool calls are numbered apart, from 0, as OpenAI numbers them.
          const toolCallIndex = new Map<number, number>();
          for await (const event of output.stream ?? []) {
            const toolUse = event.contentBlockStart?.start?.toolUse;
            // JSON output: the forced tool's input is the answer's text.
            if (json) {
              const input = event.contentBlockDelta?.delta?.toolUse?.input;
              if (input) yield { type: 'text', text: input };
            } else if (toolUse) {
              const index = toolCallIndex.size;
              toolCallIndex.set(event.contentBlockStart!.contentBlockIndex ?? index, index);
              yield { type: 'tool_call', index, id: toolUse.toolUseId ?? '', name: toolUse.name ?? '', arguments: '' };
            }
            const delta = json ? undefined : event.contentBlockDelta;
            if (delta?.delta?.text) yield { type: 'text', text: delta.delta.text };
            // Thinking shows the model is working, so no timer takes it for hung; surfaces that carry it pass it on.
            const reasoning = json ? undefined : event.contentBlockDelta?.delta?.reasoningContent;
            if (reasoning) {
              const redacted = reasoning.redactedContent ? Buffer.from(reasoning.redactedContent).toString('base64') : undefined;
              yield { type: 'thinking', text: reasoning.text, signature: reasoning.signature, redacted };
            }
            const input = delta?.delta?.toolUse?.input;
            const index = toolCallIndex.get(delta?.contentBlockIndex ?? -1);
            if (input && index !== undefined) yield { type: 'tool_call', index, arguments: input };
            if (event.messageStop) stopReason = event.messageStop.stopReason;
            if (event.metadata?.usage) usage = normaliseUsage(event.metadata.usage);
          }
        } catch (error) {
          throw classifySdkError(error, call.signal, fail);
        }
        // Cut short without an error: the same fault as a cut connection, as the OpenAI adapter sorts a missing [DONE].
        if (stopReason === undefined) throw fail('connection', 'the stream ended without a messageStop event', { status: 200 });
        yield { type: 'end', finishReason: finishReasonOf(stopReason, json, (kind, message) => fail(kind, message, { status: 200 })), usage };
      } finally {
        cancel.abort();
      }
    },
  };
}

/**
 * The request `complete` and `stream` both send: Converse and ConverseStream take the same one.
 *
 * With `cachePrompt`, two cache points mark the prompt for Bedrock's prompt cache: one closing the
 * system blocks, so conversations that share a system prompt share its cache, and one closing the
 * last message, so the whole conversation so far is cached and the next turn, which repeats it and
 * appends to it, reads it back. Two of the four points Bedrock allows per request. A prefix shorter
 * than the model's minimum (1,000 to 4,096 tokens) is simply not cached; the call still succeeds.
 */
function converseRequest(call: CompletionCall): ConverseCommandInput {
  const messages = toConverseMessages(call.messages);
  const system = call.messages
    .filter((message) => message.role === 'system')
    .map((message): SystemContentBlock => ({ text: message.content }));
  if (call.cachePrompt) {
    if (system.length > 0) system.push(CACHE_POINT);
    messages.at(-1)?.content?.push(CACHE_POINT);
  }
  const toolConfig = toolConfigOf(call);
  return {
    modelId: call.model.providerModelId,
    messages,
    system,
    ...(toolConfig ? { toolConfig } : {}),
    ...additionalFields(call),
    inferenceConfig: {
      maxTokens: call.maxTokens,
      temperature: call.temperature,
      topP: call.topP,
      stopSequences: call.stop ? [...call.stop] : undefined,
    },
  };
}

/** Claude-specific fields Converse passes through: anthropic-beta flags and the thinking budget. */
function additionalFields(call: CompletionCall): Pick<ConverseCommandInput, 'additionalModelRequestFields'> {
  const fields: Record<string, DocumentType> = {};
  if (call.betas.length > 0) fields['anthropic_beta'] = [...call.betas];
  if (call.reasoning?.budgetTokens !== undefined) fields['thinking'] = { type: 'enabled', budget_tokens: call.reasoning.budgetTokens };
  return Object.keys(fields).length > 0 ? { additionalModelRequestFields: fields } : {};
}

/** Everything before it is cached, with the default (5-minute) lifetime. */
const CACHE_POINT: ContentBlock.CachePointMember & SystemContentBlock.CachePointMember = { cachePoint: { type: CachePointType.DEFAULT } };

/** What a Converse `stopReason` means, in a whole answer or at the end of a stream: a finish reason, or the failure it stands for. */
function finishReasonOf(stopReason: string | undefined, json: boolean, fail: (kind: ProviderFailureKind, message: string) => ProviderError): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      // Calling the forced JSON tool is how a JSON answer ends.
      return json ? 'stop' : 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      throw fail('content_filter', `the model stopped with ${stopReason}`);
    case 'model_context_window_exceeded':
      throw fail('context_length', 'the model ran out of context window');
    default:
      throw fail('malformed_response', `unexpected stopReason "${stopReason}"`);
  }
}

/**
 * The tools, and OpenAI's `tool_choice` in Converse's terms: `required` is `any`. Converse has no
 * "none": with it the tools are left out, unless earlier turns called them (Converse then needs
 * them declared) and the choice falls back to `auto`. `parallel_tool_calls` has no Converse switch.
 */
function toolConfigOf(call: CompletionCall): ToolConfiguration | undefined {
  if (asksForJson(call)) return jsonToolConfig(call.responseFormat);
  if (call.tools.length === 0) return undefined;
  const history = call.messages.some((message) => message.toolCalls !== undefined || message.toolCallId !== undefined);
  if (call.toolChoice === 'none' && !history) return undefined;
  const choice = call.toolChoice;
  return {
    tools: call.tools.map((tool) => ({
      toolSpec: {
        name: tool.name,
        description: tool.description,
        inputSchema: { json: (tool.parameters ?? { type: 'object', properties: {} }) as DocumentType },
      },
    })),
    ...(choice === 'required'
      ? { toolChoice: { any: {} } }
      : typeof choice === 'object'
        ? { toolChoice: { tool: { name: choice.name } } }
        : choice === 'auto'
          ? { toolChoice: { auto: {} } }
          : {}),
  };
}

/**
 * Converse has no JSON mode: a JSON answer is asked for as the input of one
 * tool the model must call, whose input schema is the caller's JSON schema
 * (any object for `json_object`). Routing never sends JSON output and tools
 * to Bedrock together, so the tool is the only one.
 */
const JSON_TOOL = 'json_answer';

function asksForJson(call: CompletionCall): boolean {
  return call.responseFormat.type !== 'text';
}

function jsonToolConfig(format: CompletionCall['responseFormat']): ToolConfiguration {
  const schema = format.type === 'json_schema' ? format.jsonSchema.schema : undefined;
  const description = format.type === 'json_schema' ? format.jsonSchema.description : undefined;
  return {
    tools: [
      {
        toolSpec: {
          name: JSON_TOOL,
          description: description ?? 'Give your whole answer as this JSON object.',
          inputSchema: { json: (schema ?? { type: 'object' }) as DocumentType },
        },
      },
    ],
    toolChoice: { tool: { name: JSON_TOOL } },
  };
}

/**
 * Converse wants user/assistant turns only, alternating: a tool result is a
 * `toolResult` block in a user turn, and neighbours of one role are merged.
 */
export function toConverseMessages(messages: readonly ChatMessage[]): Message[] {
  const turns: Message[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = contentBlocksOf(message);
    const previous = turns[turns.length - 1];
    if (previous?.role === role) previous.content!.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  return turns;
}

function contentBlocksOf(message: ChatMessage): ContentBlock[] {
  if (message.role === 'tool') {
    return [{ toolResult: { toolUseId: message.toolCallId, content: message.content === '' ? [] : [{ text: message.content }] } }];
  }
  // The turn's reasoning goes back first, as it came, so Claude can go on thinking through tool calls.
  const blocks: ContentBlock[] = (message.reasoning ?? []).map((block) =>
    'redacted' in block
      ? { reasoningContent: { redactedContent: Buffer.from(block.redacted, 'base64') } }
      : { reasoningContent: { reasoningText: { text: block.text, signature: block.signature } } },
  );
  blocks.push(...(message.parts ? message.parts.map(partBlock) : message.content === '' ? [] : [{ text: message.content }]));
  for (const call of message.toolCalls ?? []) {
    blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: JSON.parse(call.arguments) as DocumentType } });
  }
  return blocks;
}

/** Converse takes image bytes, not URLs: routing sends images by URL only to providers that fetch them. */
function partBlock(part: ContentPart): ContentBlock {
  if (part.type === 'text') return { text: part.text };
  const image = decodeDataUrl(part.image.url);
  if (!image) throw new TypeError('Bedrock Converse takes images as data URLs only');
  return { image: { format: image.format as BedrockImageFormat, source: { bytes: image.bytes } } };
}

function normaliseUsage(usage: NonNullable<ConverseCommandOutput['usage']>): TokenUsage {
  return {
    input: usage.inputTokens ?? 0,
    output: usage.outputTokens ?? 0,
    cacheRead: usage.cacheReadInputTokens ?? 0,
    cacheWrite: usage.cacheWriteInputTokens ?? 0,
  };
}

type Fail = (kind: ProviderFailureKind, message: string, extra?: { status?: number; usage?: TokenUsage; cause?: unknown }) => ProviderError;

/**
 * An SDK failure, from an HTTP error answer or an exception event inside a
 * stream. The SDK throws an exception event as the same modelled exception
 * but with no status of its own: the answer it broke was a 200.
 */
function classifySdkError(error: unknown, signal: AbortSignal, fail: Fail): ProviderError {
  const details = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $fault?: string };
  const inStream = details.$fault !== undefined && details.$metadata?.httpStatusCode === undefined;
  const status = inStream ? 200 : details.$metadata?.httpStatusCode;
  if (status === undefined || details.name === 'AbortError') {
    if (error instanceof SyntaxError) return fail('malformed_response', 'response body is not JSON', { cause: error });
    return fail(...connectionFailure(error, signal), { cause: error });
  }
  const name = details.name ?? 'UnknownError';
  const message = `${name} (${inStream ? 'exception event in the stream' : `HTTP ${status}`}): ${details.message ?? ''}`.trim();
  if (MODEL_UNAVAILABLE.test(details.message ?? '') && (name === 'AccessDeniedException' || name === 'ValidationException')) {
    return fail('model_unavailable', `${message} ${MODEL_ACCESS_ADVICE}`, { status, cause: error });
  }
  const known = ERRORS_BY_NAME[name];
  if (known) return fail(known, message, { status, cause: error });
  if (name === 'ValidationException') {
    return fail(CONTEXT_LENGTH.test(details.message ?? '') ? 'context_length' : 'rejected', message, { status, cause: error });
  }
  if (status === 200) return fail('malformed_response', message, { status, cause: error });
  const kind = details.$fault === 'server' && status < 500 ? 'unavailable' : failureKindOfStatus(status);
  return fail(kind, message, { status, cause: error });
}
