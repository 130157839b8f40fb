/** Tools: what the model may call, how the caller lets it choose, and the calls it made. */

/** A function the model may call, as OpenAI's `tools[].function` declares it. */
export interface ToolDefinition {
  /** Unique within a request; 1 to 64 letters, digits, `_` or `-` (checked once at the edge for every surface). */
  readonly name: string;
  readonly description?: string | undefined;
  /** A JSON Schema for the arguments (an object schema). */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  readonly strict?: boolean | undefined;
}

/** OpenAI's `tool_choice`: let the model decide, forbid calls, require one, or require one tool by name. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A call the model made: `arguments` is the JSON text of an object, as the model wrote it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}
