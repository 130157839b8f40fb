/**
 * Bedrock's streaming wire format: binary AWS event-stream frames
 * (`application/vnd.amazon.eventstream`), encoded with the codec the SDK
 * decodes them with, so the real client reads them as it reads AWS.
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/**
 * One frame with its JSON payload: an event by its union member name
 * (`messageStart`, `contentBlockDelta`, `metadata`, ...), or a modelled
 * exception (`modelStreamErrorException`, `throttlingException`, ...).
 */
export type StreamFrame =
  | { readonly event: string; readonly body: unknown }
  | { readonly exception: string; readonly body: unknown };

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const text = (value: string) => ({ type: 'string' as const, value });

export function encodeFrame(frame: StreamFrame): Buffer {
  const headers: MessageHeaders =
    'event' in frame
      ? { ':event-type': text(frame.event), ':content-type': text('application/json'), ':message-type': text('event') }
      : { ':exception-type': text(frame.exception), ':content-type': text('application/json'), ':message-type': text('exception') };
  return Buffer.from(codec.encode({ headers, body: fromUtf8(JSON.stringify(frame.body)) }));
}

/** One buffer per frame, so a scripted answer can pause or cut between frames. */
export function encodeFrames(frames: readonly StreamFrame[]): Buffer[] {
  return frames.map(encodeFrame);
}
