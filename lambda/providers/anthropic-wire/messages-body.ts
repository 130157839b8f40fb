/**
 * This folder: Anthropic's Messages API on the wire, for providers that serve
 * it natively (Bedrock's `/anthropic/v1/messages`): the request body, built
 * from the caller's own; a whole answer; and a stream of server-sent events,
 * each read into the provider-neutral completion model. Who signs and where it
 * goes is the provider's (see `bedrock/native-messages.ts`).
 *
 * This file: the body sent. The caller's Messages request goes as it came, so
 * cache_control prefixes, signed thinking, per-turn controls and context
 * management survive; only what routing decided is set: the model, the output
 * cap, whether to stream, and no tool the provider does not run.
 */
import { isAnthropicServerTool } from '../../core/content/server-tools';
import type { CompletionCall } from '../../core/model/provider';

/** The wire body for `call`, whose `anthropicBody` is the caller's request as sent. */
export function messagesBody(call: Pick<CompletionCall, 'model' | 'maxTokens' | 'anthropicBody'>, stream: boolean): Record<string, unknown> {
  const sent = call.anthropicBody ?? {};
  const tools = Array.isArray(sent['tools']) ? sent['tools'].filter(isClientTool) : undefined;
  return {
    ...sent,
    model: call.model.providerModelId,
    max_tokens: call.maxTokens,
    stream,
    ...(tools === undefined ? {} : tools.length > 0 ? { tools } : { tools: undefined, tool_choice: undefined }),
  };
}

/**
 * A tool the client runs: its own (`custom`, or untyped) or one Anthropic defines (bash, text editor, memory,
 * computer). Server tools (web search, code execution) run at Anthropic only, and were named as dropped.
 */
function isClientTool(tool: unknown): boolean {
  return !isAnthropicServerTool((tool as { type?: unknown } | null)?.type);
}
