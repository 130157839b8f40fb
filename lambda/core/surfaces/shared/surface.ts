/** The contract of an API surface, as the gateway's endpoints use it. */
import type { HeaderBag } from '../../base/header-bag';
import type { ChatRequest } from '../../model/chat-request';
import type { Completion } from '../../model/completion';
import type { StreamEncoder } from '../../model/stream-encoder';
import type { Limits } from '../../../policy/policy';
import type { HttpError } from './http-error';

/** An API the gateway speaks. Every answer on its endpoints, errors included, is in its format. */
export interface Surface {
  /** The endpoint's name in metrics and logs. */
  readonly name: string;
  /** An error's body in this surface's own envelope. */
  errorBody(http: HttpError): unknown;
}

interface StreamEncoderOptions {
  readonly requestId: string;
  readonly model: string;
  readonly simulated: boolean;
  readonly chat: ChatRequest;
  /** The prompt's estimated tokens, for formats that announce usage before the provider reports it. */
  readonly inputTokens: number;
  readonly nowMs: number;
}

/** A surface for chat: how it reads a request, shapes an answer and streams one. */
export interface ChatSurface extends Surface {
  parse(body: string | undefined, limits: Limits, headers: HeaderBag): ChatRequest;
  answer(requestId: string, model: string, completion: Completion, nowMs: number, chat: ChatRequest): unknown;
  encoder(options: StreamEncoderOptions): StreamEncoder;
  /** The stream reports a verification verdict in an event of its own, so its headers can say one is pending. */
  readonly streamsVerdict: boolean;
}
