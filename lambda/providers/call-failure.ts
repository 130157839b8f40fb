/**
 * How an adapter makes the error of one call: every `ProviderError` it raises
 * names the policy's provider id and the call's model id, so each adapter
 * builds its errors through a {@link Fail} made here for the call.
 */
import { ProviderError, type ProviderErrorDetails, type ProviderFailureKind } from '../core/base/errors';

/** Makes the call's error of a kind; `details` are what the adapter knows beyond provider and model. */
export type Fail = (kind: ProviderFailureKind, message: string, details?: Omit<ProviderErrorDetails, 'provider' | 'model'>) => ProviderError;

export function failFor(provider: string, call: { readonly model: { readonly id: string } }): Fail {
  return (kind, message, details = {}) => new ProviderError(kind, message, { provider, model: call.model.id, ...details });
}
