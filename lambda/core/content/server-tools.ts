/** Anthropic's server tools: the tool types that run at Anthropic (`web_search_20250305`, `code_execution_...`), not in the client. */

const SERVER_TOOL = /^(?:web_search|web_fetch|code_execution|tool_search_tool|mcp_toolset)_/;

/** Whether a Messages tool of this `type` runs at Anthropic: no model here runs it, so it is dropped and named. */
export function isAnthropicServerTool(type: unknown): boolean {
  return typeof type === 'string' && SERVER_TOOL.test(type);
}
