/** OpenAI's Responses API as one surface object: the gateway's endpoints read nothing else of this folder. */
import type { ChatSurface } from '../shared/surface';
import { toResponseObject } from './encode-response';
import { responsesEventEncoder } from './encode-stream';
import { responsesErrorBody } from './error-envelope';
import { parseResponsesRequest } from './parse-request';

export const OPENAI_RESPONSES: ChatSurface = {
  name: 'responses',
  parse: parseResponsesRequest,
  answer: toResponseObject,
  encoder: ({ requestId, model, nowMs, chat }) => responsesEventEncoder({ requestId, model, nowMs, chat }),
  errorBody: responsesErrorBody,
  streamsVerdict: false,
};
