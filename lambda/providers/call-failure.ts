/**
 * How an adapter makes the error of one call: every `ProviderError` it raises
 * names the policy's provider id and the call's model id, so each adapter
 * builds its errors through a {@link Fail} made here for the call.
 */
import { ProviderError, type ProviderErrorDetails, type ProviderFailureKind } from '../core/base/errors';
import { connectionFailure } from './failure-kinds';

/** Makes the call's error of a kind; `details` are what the adapter knows beyond provider and model. */
export type Fail = (kind: ProviderFailureKind, message: string, details?: Omit<ProviderErrorDetails, 'provider' | 'model'>) => ProviderError;

export function failFor(provider: string, call: { readonly model: { readonly id: string } }): Fail {
  return (kind, message, details = {}) => new ProviderError(kind, message, { provider, model: call.model.id, ...details });
}

/** A response's body as text; a connection that breaks while it is read fails as the call's connection fault (or timeout). */
export async function readText(response: Response, call: { readonly signal: AbortSignal }, fail: Fail): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw fail(...connectionFailure(error, call.signal), { cause: error });
  }
}
