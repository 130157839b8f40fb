/**
 * Gateway: one function from a plain request to a plain response, a small
 * dispatcher over the endpoint table with one error boundary. The Lambda
 * handler and the local server are thin adapters around it, so the whole API
 * is testable in-process without AWS or a socket. This folder holds the
 * dispatcher, the endpoint table and its modules (endpoints/), and what they
 * share: the request's context, the response headers and the error response.
 */
import { CallerError } from '../base/errors';
import { ENDPOINTS, SWITCHYARD_API } from './endpoint-table';
import { failureResponse } from './respond';
import type { EndpointHandler, Gateway, GatewayDependencies } from './types';

export function createGateway(dependencies: GatewayDependencies): Gateway {
  const handlers = new Map<string, EndpointHandler>(Object.entries(ENDPOINTS).map(([path, endpoint]) => [path, endpoint.create(dependencies)]));
  return async (request) => {
    const endpoint = Object.hasOwn(ENDPOINTS, request.path) ? ENDPOINTS[request.path] : undefined;
    try {
      if (!endpoint) {
        throw new CallerError(
          'not_found',
          `There is no endpoint ${request.path}. Use POST /v1/chat/completions, POST /v1/responses, POST /v1/messages, POST /v1/embeddings, GET /v1/models, POST /v1/route, GET /v1/usage, POST /v1/feedback or GET /v1/shadow.`,
        );
      }
      if (request.method !== endpoint.method) {
        throw new CallerError('method_not_allowed', `${request.path} accepts ${endpoint.method}, not ${request.method}.`);
      }
      if (request.bodyNotUtf8 !== undefined) {
        throw new CallerError('invalid_json', `The request body (${request.bodyNotUtf8} bytes) is not valid UTF-8: send JSON encoded as UTF-8.`);
      }
      return await handlers.get(request.path)!(request);
    } catch (error) {
      return failureResponse(request, endpoint?.name ?? 'unknown', endpoint?.surface ?? SWITCHYARD_API, error, dependencies.log);
    }
  };
}
