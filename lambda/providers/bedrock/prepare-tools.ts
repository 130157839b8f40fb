/**
 * The tools a call declares, in Converse's terms, and JSON output, which
 * Converse takes as a tool the model must call.
 */
import type { ToolConfiguration } from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import type { CompletionCall } from '../../core/model/provider';

/**
 * The tools, and OpenAI's `tool_choice` in Converse's terms: `required` is `any`. Converse has no
 * "none": with it the tools are left out, unless earlier turns called them (Converse then needs
 * them declared) and the choice falls back to `auto`. `parallel_tool_calls` has no Converse switch.
 */
export function toolConfigOf(call: CompletionCall): ToolConfiguration | undefined {
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
export const JSON_TOOL = 'json_answer';

export function asksForJson(call: CompletionCall): boolean {
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
