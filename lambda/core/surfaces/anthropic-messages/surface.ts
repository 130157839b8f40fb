/** Anthropic's Messages API as one surface object, for the chat endpoint; count_tokens reads only the request parser. */
import type { ChatSurface } from '../shared/surface';
import { toAnthropicMessage } from './encode-response';
import { anthropicEventEncoder } from './encode-stream';
import { anthropicErrorBody } from './error-envelope';
import { betasOf, parseMessagesRequest } from './parse-request';

export const ANTHROPIC_MESSAGES: ChatSurface = {
  name: 'messages',
  parse: (body, limits, headers) => ({ ...parseMessagesRequest(body, limits), betas: betasOf(headers['anthropic-beta']) }),
  answer: (requestId, model, completion) => toAnthropicMessage(requestId, model, completion),
  encoder: ({ requestId, model, inputTokens }) => anthropicEventEncoder({ requestId, model, inputTokens }),
  errorBody: anthropicErrorBody,
  streamsVerdict: false,
};
