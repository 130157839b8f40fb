/**
 * How the adapter talks to the host: a JSON body POSTed below the base URL,
 * with the API key (read again once if the host refuses it), and the answer
 * read as text and parsed.
 */
import { ProviderError } from '../../core/base/errors';
import type { ApiKeySource } from '../api-keys';
import type { Fail } from '../call-failure';
import { connectionFailure } from '../failure-kinds';

/** POSTs a JSON body below the base URL; `deadline` is the call's own signal, which tells a timeout from a cancel. */
export type PostJson = (path: string, body: unknown, stream: boolean, signal: AbortSignal, deadline: AbortSignal, fail: Fail) => Promise<Response>;

export function jsonPoster(baseUrl: string, apiKey: ApiKeySource | undefined): PostJson {
  const base = baseUrl.replace(/\/+$/, '');
  return async (path, body, stream, signal, deadline, fail) => {
    const send = async (key: string | undefined) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' };
      if (key) headers['authorization'] = `Bearer ${key}`;
      return fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
    };
    try {
      const key = await apiKey?.get();
      const response = await send(key);
      if (response.status !== 401 || !apiKey) return response;
      // Refused: the key may have been rotated since it was read. One fresh read, one more try.
      const fresh = await apiKey.refresh();
      if (fresh === key) return response;
      await response.body?.cancel();
      return await send(fresh);
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw fail(...connectionFailure(error, deadline), { cause: error });
    }
  };
}

export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
