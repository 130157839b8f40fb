/**
 * OpenAI's Responses request (`POST /v1/responses`), as Codex CLI and the
 * openai SDKs' `responses.create` send it, parsed into the provider-neutral
 * {@link ChatRequest}. Stateless: nothing is stored, so `store: true` and
 * `previous_response_id` are refused with a 400 that says what to send instead.
 */
import * as z from 'zod/mini';
import '../../base/zod-english';
import type { ChatRequest } from '../../model/chat-request';
import { CallerError } from '../../base/errors';
import type { ToolChoice, ToolDefinition } from '../../model/tool';
import type { Limits } from '../../../policy/policy';
import { readRequestBody } from '../shared/read-body';
import { jsonObjectFormat, jsonSchemaFields, responseFormatOf, textFormat } from '../shared/response-format';
import { checkedTools, checkMessageCount, checkOutputTokens, MAX_TOOLS, metadataSchema } from '../shared/request-checks';
import { readItems } from './read-items';
import { flatName, readTools } from './read-tools';

const item = z.looseObject({ type: z.optional(z.string()) });

const bodySchema = z.looseObject({
  model: z.string().check(z.minLength(1, 'is required: use "auto", "tier-0".."tier-3" or a model id from GET /v1/models')),
  input: z.union([z.string().check(z.minLength(1, 'must not be empty')), z.array(item).check(z.minLength(1, 'must contain at least one item'))]),
  instructions: z.nullish(z.string()),
  max_output_tokens: z.nullish(z.int().check(z.positive())),
  temperature: z.nullish(z.number().check(z.gte(0), z.lte(2))),
  top_p: z.nullish(z.number().check(z.gte(0), z.lte(1))),
  stream: z.nullish(z.boolean()),
  store: z.nullish(z.boolean()),
  metadata: metadataSchema,
  tools: z.nullish(z.array(z.looseObject({ type: z.string() })).check(z.maxLength(MAX_TOOLS))),
  tool_choice: z.nullish(z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.enum(['function', 'custom']), name: z.string() })])),
  parallel_tool_calls: z.nullish(z.boolean()),
  reasoning: z.nullish(z.looseObject({ effort: z.nullish(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])) })),
  include: z.nullish(z.array(z.string())),
  prompt_cache_key: z.nullish(z.string().check(z.maxLength(1024))),
  text: z.nullish(
    z.looseObject({
      format: z.nullish(z.discriminatedUnion('type', [textFormat, jsonObjectFormat, z.looseObject({ type: z.literal('json_schema'), ...jsonSchemaFields })])),
    }),
  ),
});

/** Fields that would need state Switchyard does not keep: refused, with what to do instead. */
const REFUSED: Readonly<Record<string, string>> = {
  store: 'responses are not stored here: send "store": false and the whole conversation in "input" each turn',
  previous_response_id: 'responses are not stored here: send the whole conversation in "input" each turn (as Codex does with "store": false)',
  conversation: 'conversations are not stored here: send the whole conversation in "input" each turn',
  background: 'background responses are not supported: remove "background"',
  prompt: 'stored prompt templates are not supported: send "instructions" and "input"',
};

export function parseResponsesRequest(body: string | undefined, limits: Limits): ChatRequest {
  const { data: request, dropped } = readRequestBody(body, limits, bodySchema, { expects: '"model" and "input"', refused: REFUSED });
  checkOutputTokens(request.max_output_tokens, limits, 'max_output_tokens');
  const items = typeof request.input === 'string' ? readItems([{ type: 'message', role: 'user', content: request.input }]) : readItems(request.input);
  const messages = [...(request.instructions ? [{ role: 'system' as const, content: request.instructions }] : []), ...items.messages];
  checkMessageCount(messages.length, limits, 'input');
  const declared = readTools(request.tools ?? [], 'tools');
  const tools = [...declared.tools, ...items.offered.tools];
  const droppedTools = [...declared.dropped, ...items.offered.dropped];
  if (tools.length > MAX_TOOLS) {
    throw new CallerError('invalid_request', `"tools" holds ${tools.length} tools once namespaces are flattened; the limit is ${MAX_TOOLS}.`, 'tools');
  }
  // Offered only hosted tools, which are dropped: the choice among them goes too, rather than refusing the request.
  const onlyHosted = tools.length === 0 && droppedTools.length > 0;
  const choice = onlyHosted ? undefined : (request.tool_choice ?? undefined);
  const toolChoice: ToolChoice | undefined = typeof choice === 'object' ? { name: chosenTool(choice, tools) } : choice;
  const unsent = onlyHosted ? (['tool_choice', 'parallel_tool_calls'] as const).filter((param) => request[param] != null) : [];
  const effort = request.reasoning?.effort;
  return {
    model: request.model,
    messages,
    maxTokens: request.max_output_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    topP: request.top_p ?? undefined,
    stop: undefined,
    metadata: Object.fromEntries(Object.entries(request.metadata ?? {}).map(([key, value]) => [key, String(value)])),
    stream: request.stream === true,
    includeUsage: true,
    dropped: [...dropped, ...items.droppedItems, ...unsent].sort(),
    droppedTools,
    responseFormat: responseFormatOf(request.text?.format ?? undefined),
    // "none" asks for no reasoning; "xhigh" is the most there is elsewhere.
    ...(effort && effort !== 'none' ? { reasoning: { effort: effort === 'xhigh' ? 'high' : effort } } : {}),
    encryptedReasoning: request.include?.includes('reasoning.encrypted_content') === true,
    ...(request.prompt_cache_key ? { promptCacheKey: request.prompt_cache_key } : {}),
    ...checkedTools(tools, toolChoice, onlyHosted ? undefined : (request.parallel_tool_calls ?? undefined), { name: (index) => toolParam(index, declared.tools.length), choiceName: 'tool_choice.name' }),
  };
}

/** The flattened name of the tool a `tool_choice` names: in its namespace, or a freeform tool by its own name. */
function chosenTool(choice: { readonly name: string; readonly namespace?: unknown }, tools: readonly ToolDefinition[]): string {
  if (typeof choice.namespace === 'string') return flatName(choice.namespace, choice.name);
  return tools.find((tool) => tool.origin?.name === choice.name && tool.origin.namespace === undefined)?.name ?? choice.name;
}

/** Where the tool at `index` of the flattened list was declared: `tools`, or an `additional_tools` item. */
function toolParam(index: number, declared: number): string {
  return index < declared ? `tools[${index}].name` : `input[].tools[${index - declared}].name`;
}
