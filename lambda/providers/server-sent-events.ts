/**
 * A streamed answer's body as server-sent events, for every adapter whose
 * provider streams them (OpenAI-compatible hosts, Anthropic's Messages API):
 * one reader, one rule for a body that breaks, ends or never closes an event.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ProviderError, ProviderFailureKind } from '../core/base/errors';
import { connectionFailure } from './failure-kinds';

/** Longest single event the parser buffers (a large tool input arrives in many events): one that never ends is broken, not slow. */
const MAX_EVENT_CHARACTERS = 4 * 1024 * 1024;

/**
 * The events of `body`, in order, until it ends. A body that breaks, or an
 * event past the limit, rejects with `late`'s error (the answer was a 200, so
 * the adapter charges the usage it has); `signal` tells a deadline from a
 * broken connection. The caller decides whether an end is a clean one.
 */
export async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  late: (kind: ProviderFailureKind, message: string, cause?: unknown) => ProviderError,
): AsyncGenerator<EventSourceMessage> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), maxBufferSize: MAX_EVENT_CHARACTERS });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      let read: Awaited<ReturnType<typeof reader.read>>;
      try {
        read = await reader.read();
      } catch (error) {
        const [kind, message] = connectionFailure(error, signal);
        throw late(kind, `${message} (mid-stream)`, error);
      }
      if (read.done) return;
      try {
        parser.feed(decoder.decode(read.value, { stream: true }));
      } catch (error) {
        throw late('malformed_response', `an event is longer than ${MAX_EVENT_CHARACTERS} characters`, error);
      }
      yield* events.splice(0);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
