/** The tools a call declares, with its `tool_choice` and `parallel_tool_calls`, as OpenAI's request fields. */
import type { CompletionCall } from '../../core/model/provider';

/** No fields when the call declares no tools: a choice about no tools is not sent. */
export function toolFieldsOf(call: CompletionCall): Record<string, unknown> {
  if (call.tools.length === 0) return {};
  const fields: Record<string, unknown> = {};
  fields['tools'] = call.tools.map(({ name, description, parameters, strict }) => ({ type: 'function', function: { name, description, parameters, strict } }));
  const choice = call.toolChoice;
  if (choice !== undefined) fields['tool_choice'] = typeof choice === 'object' ? { type: 'function', function: { name: choice.name } } : choice;
  if (call.parallelToolCalls !== undefined) fields['parallel_tool_calls'] = call.parallelToolCalls;
  return fields;
}
