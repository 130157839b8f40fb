/**
 * Chat on Bedrock: the request Converse and ConverseStream both take, a whole
 * answer parsed, and a stream of events turned into completion chunks.
 */
import {
  type BedrockRuntimeClient,
  CachePointType,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import type { ReasoningBlock } from '../../core/model/reasoning';
import type { ToolCall } from '../../core/model/tool';
import type { CompletionCall } from '../../core/model/provider';
import type { Completion, CompletionChunk } from '../../core/model/completion';
import type { TokenUsage } from '../../core/model/usage';
import type { Fail } from '../call-failure';
import { toConverseMessages } from './convert-to-converse-messages';
import { normaliseUsage } from './convert-usage';
import { classifySdkError } from './errors';
import { finishReasonOf } from './map-finish-reason';
import { asksForJson, JSON_TOOL, toolConfigOf } from './prepare-tools';

export async function completeWithConverse(client: BedrockRuntimeClient, call: CompletionCall, fail: Fail): Promise<Completion> {
  let output: ConverseCommandOutput;
  try {
    output = await client.send(new ConverseCommand(converseRequest(call)), { abortSignal: call.signal });
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
}

export async function* streamWithConverse(client: BedrockRuntimeClient, call: CompletionCall, failForCall: Fail): AsyncGenerator<CompletionChunk> {
  let usage: TokenUsage | undefined;
  // Every failure carries the usage reported so far: a metadata event comes last, so usually none.
  const fail: Fail = (kind, message, extra = {}) => failForCall(kind, message, { usage, ...extra });
  // Ours to abort when the consumer stops early, so Bedrock stops generating (and billing).
  const cancel = new AbortController();
  let stopReason: string | undefined;
  const json = asksForJson(call);
  try {
    try {
      const output = await client.send(new ConverseStreamCommand(converseRequest(call)), {
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
