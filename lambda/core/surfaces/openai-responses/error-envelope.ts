/** Errors on the Responses API: OpenAI's envelope, as on chat completions. */
export { openAiErrorBody as responsesErrorBody } from '../openai-chat/error-envelope';
