/** Errors on the embeddings API: OpenAI's envelope. */
export { openAiErrorBody as embeddingsErrorBody } from '../openai-chat/error-envelope';
