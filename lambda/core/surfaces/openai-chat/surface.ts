/** OpenAI's chat completions as one surface object: the gateway's chat endpoint reads nothing else of this folder. */
import type { ChatSurface } from '../shared/surface';
import { toChatCompletion } from './encode-response';
import { openAiChunkEncoder } from './encode-stream';
import { openAiErrorBody } from './error-envelope';
import { parseChatRequest } from './parse-request';

export const OPENAI_CHAT: ChatSurface = {
  name: 'chat',
  parse: parseChatRequest,
  answer: toChatCompletion,
  encoder: ({ chat, requestId, model, simulated, nowMs }) => openAiChunkEncoder({ requestId, model, simulated, nowMs, includeUsage: chat.includeUsage }),
  errorBody: openAiErrorBody,
  streamsVerdict: true,
};
