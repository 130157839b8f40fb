/** Tools: what the model may call, how the caller lets it choose, and the calls it made. */

/** A function the model may call, as OpenAI's `tools[].function` declares it. */
export interface ToolDefinition {
  /** Unique within a request; 1 to 64 letters, digits, `_` or `-` (checked once at the edge for every surface). */
  readonly name: string;
  readonly description?: string | undefined;
  /** A JSON Schema for the arguments (an object schema). */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  readonly strict?: boolean | undefined;
  /** Where the caller declared it, when that was not a plain function: its calls go back in the caller's terms. */
  readonly origin?: ToolOrigin | undefined;
}

/**
 * A caller's tool that reaches models as a plain function: one in a Responses
 * `namespace` (flattened to `<namespace>__<name>`), or a freeform `custom` tool
 * (a function of one string parameter, `input`).
 */
export interface ToolOrigin {
  /** The tool's name as the caller declared it. */
  readonly name: string;
  readonly namespace?: string | undefined;
  /** A freeform tool: the model's `input` argument is the call's whole input. */
  readonly freeform?: boolean | undefined;
}

/** OpenAI's `tool_choice`: let the model decide, forbid calls, require one, or require one tool by name. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** A call the model made: `arguments` is the JSON text of an object, as the model wrote it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}
