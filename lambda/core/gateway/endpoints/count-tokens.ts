/** `POST /messages/count_tokens`: the prompt's estimated tokens, as routing counts them, without calling a model. */
import { estimateTokens } from '../../routing/token-estimate';
import { parseMessagesRequest } from '../../surfaces/anthropic-messages/parse-request';
import { json } from '../respond';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function countTokensEndpoint({ policy }: GatewayDependencies): EndpointHandler {
  return async (request) => {
    const chat = parseMessagesRequest(request.body, policy.limits, { requireMaxTokens: false });
    return json(request, 'messages/count_tokens', { input_tokens: estimateTokens(chat.messages, chat.tools) });
  };
}
