/**
 * The gateway's endpoints as a table: each path's method, the surface whose
 * envelope its answers and errors use, the name it has in metrics, and the
 * module that serves it. The table is data, so an entry point can find a
 * path's surface without starting the gateway (a start failure still answers
 * in the right envelope).
 */
import { ANTHROPIC_MESSAGES } from '../surfaces/anthropic-messages/surface';
import { EMBEDDINGS } from '../surfaces/embeddings/surface';
import { openAiErrorBody } from '../surfaces/openai-chat/error-envelope';
import { OPENAI_CHAT } from '../surfaces/openai-chat/surface';
import { OPENAI_RESPONSES } from '../surfaces/openai-responses/surface';
import type { Surface } from '../surfaces/shared/surface';
import { chatEndpoint } from './endpoints/chat';
import { countTokensEndpoint } from './endpoints/count-tokens';
import { embeddingsEndpoint } from './endpoints/embeddings';
import { feedbackEndpoint } from './endpoints/feedback';
import { modelsEndpoint } from './endpoints/models';
import { routeEndpoint } from './endpoints/route';
import { shadowEndpoint } from './endpoints/shadow';
import { usageEndpoint } from './endpoints/usage';
import type { EndpointHandler, GatewayDependencies } from './types';

/** Switchyard's own endpoints (route, models, usage, feedback, shadow): OpenAI's error envelope, which every OpenAI client reads. */
export const SWITCHYARD_API: Surface = { name: 'switchyard', errorBody: openAiErrorBody };

interface Endpoint {
  readonly method: 'GET' | 'POST';
  /** Its name in metrics and the access line. */
  readonly name: string;
  /** Whose format its answers and errors are in. */
  readonly surface: Surface;
  readonly create: (dependencies: GatewayDependencies) => EndpointHandler;
}

/** Paths below the stage (`/v1` locally). */
export const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  '/chat/completions': { method: 'POST', name: OPENAI_CHAT.name, surface: OPENAI_CHAT, create: (dependencies) => chatEndpoint(OPENAI_CHAT, dependencies) },
  '/messages': { method: 'POST', name: ANTHROPIC_MESSAGES.name, surface: ANTHROPIC_MESSAGES, create: (dependencies) => chatEndpoint(ANTHROPIC_MESSAGES, dependencies) },
  '/messages/count_tokens': { method: 'POST', name: 'messages/count_tokens', surface: ANTHROPIC_MESSAGES, create: countTokensEndpoint },
  '/responses': { method: 'POST', name: OPENAI_RESPONSES.name, surface: OPENAI_RESPONSES, create: (dependencies) => chatEndpoint(OPENAI_RESPONSES, dependencies) },
  '/embeddings': { method: 'POST', name: EMBEDDINGS.name, surface: EMBEDDINGS, create: embeddingsEndpoint },
  '/route': { method: 'POST', name: 'route', surface: SWITCHYARD_API, create: routeEndpoint },
  '/models': { method: 'GET', name: 'models', surface: SWITCHYARD_API, create: modelsEndpoint },
  '/usage': { method: 'GET', name: 'usage', surface: SWITCHYARD_API, create: usageEndpoint },
  '/feedback': { method: 'POST', name: 'feedback', surface: SWITCHYARD_API, create: feedbackEndpoint },
  '/shadow': { method: 'GET', name: 'shadow', surface: SWITCHYARD_API, create: shadowEndpoint },
};

/** The surface a path's answers use; Switchyard's own (OpenAI's envelope) for a path that is no endpoint. */
export function surfaceOf(path: string): Surface {
  return (Object.hasOwn(ENDPOINTS, path) ? ENDPOINTS[path]!.surface : undefined) ?? SWITCHYARD_API;
}
