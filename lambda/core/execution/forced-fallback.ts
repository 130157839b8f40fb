/**
 * A fallback on demand, for `npx switchyard smoke` and drills: with the header
 * `x-switchyard-force-fallback: true` from an admin, the request's first
 * candidate fails as `model_unavailable` without being called, so the real
 * fallback path (the Step Functions workflow in AWS) serves it from the next
 * candidate. Nothing else changes: the attempt is recorded, and the model's
 * circuit is not charged for a failure that was not the model's.
 */
import type { AttemptDependencies } from './attempt-contract';
import type { CircuitStore } from './circuit-breaker';
import { CallerError, ProviderError } from '../base/errors';
import type { ProviderAdapter, ProviderRegistry } from '../model/provider';

export const FORCE_FALLBACK_HEADER = 'x-switchyard-force-fallback';

/** Whether the request asks for a forced fallback. @throws CallerError 403 when the caller is not an admin */
export function wantsForcedFallback(headers: Readonly<Record<string, string | undefined>>, admin: boolean): boolean {
  const value = headers[FORCE_FALLBACK_HEADER]?.trim().toLowerCase();
  if (value === undefined || value === 'false' || value === '0' || value === 'no') return false;
  if (value !== 'true' && value !== '1' && value !== 'yes') {
    throw new CallerError('invalid_request', `${FORCE_FALLBACK_HEADER} is "${value.slice(0, 20)}"; send true or false.`, FORCE_FALLBACK_HEADER);
  }
  if (!admin) {
    throw new CallerError('admin_only', `${FORCE_FALLBACK_HEADER} is for admins: a key made with --admin, or a caller in the policy's "admins".`, FORCE_FALLBACK_HEADER);
  }
  return true;
}

/** `dependencies` for one request whose first call to `modelId` fails without reaching its provider. */
export function withForcedFailure<T extends Pick<AttemptDependencies, 'providers' | 'circuits'>>(dependencies: T, modelId: string): T {
  let failed = false;
  const failOnce = (): ProviderError | undefined => {
    if (failed) return undefined;
    failed = true;
    return new ProviderError('model_unavailable', `${modelId} failed on purpose (${FORCE_FALLBACK_HEADER})`, { provider: modelId.slice(0, modelId.indexOf('/')), model: modelId });
  };
  const wrap = (adapter: ProviderAdapter): ProviderAdapter => ({
    ...adapter,
    complete: (call) => {
      const failure = call.model.id === modelId ? failOnce() : undefined;
      return failure ? Promise.reject(failure) : adapter.complete(call);
    },
    ...(adapter.stream
      ? {
          stream: (call) => {
            const failure = call.model.id === modelId ? failOnce() : undefined;
            if (!failure) return adapter.stream!(call);
            return (async function* () {
              throw failure;
            })();
          },
        }
      : {}),
  });
  const providers: ProviderRegistry = { get: (provider) => wrap(dependencies.providers.get(provider)), isSimulated: (provider) => dependencies.providers.isSimulated(provider) };
  const circuits: CircuitStore = {
    read: (models) => dependencies.circuits.read(models),
    claimProbe: (model, now) => dependencies.circuits.claimProbe(model, now),
    recordSuccess: (model) => dependencies.circuits.recordSuccess(model),
    // The forced failure is not the model's: its circuit is left as it was.
    recordFailure: async (model, now) => (model === modelId ? (await dependencies.circuits.read([model])).get(model)! : dependencies.circuits.recordFailure(model, now)),
  };
  return { ...dependencies, providers, circuits };
}
