/**
 * This folder: the model providers behind the one seam in
 * `core/model/provider.ts`. One adapter per provider kind, each in a folder
 * with the same file names (`bedrock/`, `openai-compatible/`), plus the mock
 * (`mock.ts`) and the registry that builds them from the policy
 * (`registry.ts`); beside them, what the adapters share: API keys (this
 * file), failure kinds and the call's error, embedding results and the
 * effort/thinking-budget table.
 *
 * This file: where an adapter gets its provider's API key: fixed (the
 * environment, for `npm start`), or a secret read on demand and cached for a
 * few minutes (in AWS), so a rotated or newly pasted key reaches warm
 * instances. A provider that refuses the key makes the adapter ask for a
 * fresh one once.
 */

export interface ApiKeySource {
  /** The key to send now; `undefined` for hosts that take none. */
  get(): Promise<string | undefined>;
  /** Reads the key again, past any cache: the provider refused the one it had. */
  refresh(): Promise<string | undefined>;
}

export function fixedKey(key: string | undefined): ApiKeySource {
  return { get: async () => key, refresh: async () => key };
}

/** How long a key read from the secret store is used before it is read again. */
export const KEY_TTL_MS = 5 * 60_000;

/**
 * A key read with `read` (Secrets Manager's GetSecretValue in AWS), cached for
 * `ttlMs`. Concurrent requests share one read; a failed read is not cached.
 */
export function cachedKey(read: () => Promise<string | undefined>, now: () => number = Date.now, ttlMs = KEY_TTL_MS): ApiKeySource {
  let cached: { readonly key: Promise<string | undefined>; readonly at: number } | undefined;
  const load = (): Promise<string | undefined> => {
    const key = read();
    const entry = { key, at: now() };
    cached = entry;
    key.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return key;
  };
  return {
    get: () => (cached !== undefined && now() - cached.at < ttlMs ? cached.key : load()),
    refresh: load,
  };
}
