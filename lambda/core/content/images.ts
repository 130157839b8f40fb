/**
 * Content: values over the request model (whose types are in ../model):
 * images, reasoning blocks assembled from a stream, token counts, Anthropic's
 * server tools. Small pure
 * helpers that the surfaces, the providers and the ledger share.
 *
 * This file: images in requests: the formats every provider here takes, and
 * base64 data URLs decoded.
 */
import type { ImageInput } from '../model/message';

/** The image formats every vision provider here accepts (Bedrock Converse's list). */
export const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

const DATA_URL = /^data:image\/(png|jpe?g|gif|webp);base64,([A-Za-z0-9+/]+={0,2})$/;

/** A base64 `data:` URL's format and bytes; `undefined` for anything else (an `https` URL, a malformed one). */
export function decodeDataUrl(url: string): { readonly format: ImageFormat; readonly bytes: Uint8Array } | undefined {
  const match = DATA_URL.exec(url);
  if (!match) return undefined;
  const format = match[1] === 'jpg' ? 'jpeg' : (match[1] as ImageFormat);
  return { format, bytes: Buffer.from(match[2]!, 'base64') };
}

/** Whether an image must be fetched from the web by the provider: not a `data:` URL. */
export function isRemoteImage(image: ImageInput): boolean {
  return !image.url.startsWith('data:');
}
