/**
 * This folder: the OpenAI-compatible adapter, chat completions and embeddings
 * over fetch, for OpenAI itself and every host that speaks its wire format
 * (Groq, Together, vLLM, Ollama, LM Studio, ...). Laid out with the file names
 * of its neighbour `../bedrock/`: the adapter factory
 * (`openai-compatible-provider.ts`); chat, whole and streamed (`chat.ts`), with
 * the messages, the tools, the usage, the finish reasons and the errors each in
 * a file of its own; embeddings (`embeddings.ts`); and the one way both POST
 * JSON to the host (`post-json.ts`).
 *
 * This file: the wire shapes read from the host's answers (types only).
 */

export interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface WireError {
  message?: string;
  /** OpenAI sends a string; some hosts (vLLM) put the HTTP status here. */
  code?: string | number | null;
  type?: string | null;
}

export interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

export interface WireResponse {
  choices?: { message?: { content?: string | null; tool_calls?: WireToolCall[] | null }; finish_reason?: string | null }[];
  usage?: WireUsage;
  error?: WireError;
}

/** One `data:` event of a streamed answer (`chat.completion.chunk`), or an error event. */
export interface WireChunk {
  choices?: { delta?: { content?: string | null; tool_calls?: WireToolCall[] | null }; finish_reason?: string | null }[] | null;
  usage?: WireUsage | null;
  error?: WireError;
}
