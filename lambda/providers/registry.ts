/**
 * Builds one adapter per provider in the policy. Adapters are chosen by the
 * provider's `kind`, a closed union: adding a provider kind means adding a
 * factory here, and the compiler points at every place that must change.
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ProviderConfig } from '../policy/schema';
import type { ProviderAdapter, ProviderKind, ProviderRegistry } from '../core/model/provider';
import { createBedrockAdapter, createBedrockClient } from './bedrock/bedrock-provider';
import { fixedKey, type ApiKeySource } from './api-keys';
import { createMockAdapter } from './mock';
import { createOpenAiCompatibleAdapter } from './openai-compatible/openai-compatible-provider';

export interface RegistryOptions {
  /** Provider ids to answer with the mock adapter instead of their real API. */
  readonly simulate: ReadonlySet<string>;
  /** API keys by name (the policy's `apiKeyName`): secrets in AWS, the environment locally. */
  readonly apiKeys: Readonly<Record<string, ApiKeySource | undefined>>;
  /** Sends Bedrock calls here instead of AWS (tests). */
  readonly bedrockEndpoint?: string;
  /** Latency of simulated providers. @default 0 */
  readonly simulatedLatencyMs?: number;
  /** Decides simulated faults. @default Math.random */
  readonly simulationRandom?: () => number;
  /** Wraps the Bedrock client, e.g. to trace its calls. @default as it is */
  readonly traceClient?: <C extends BedrockRuntimeClient>(client: C) => C;
}

type Factory<K extends ProviderKind> = (
  provider: string,
  config: Extract<ProviderConfig, { kind: K }>,
  options: RegistryOptions,
) => ProviderAdapter;

const FACTORIES: { readonly [K in ProviderKind]: Factory<K> } = {
  bedrock: (provider, config, options) =>
    createBedrockAdapter({
      provider,
      endpoint: options.bedrockEndpoint,
      client: (options.traceClient ?? ((client) => client))(
        createBedrockClient({
          ...(config.region ? { region: config.region } : {}),
          ...(options.bedrockEndpoint ? { endpoint: options.bedrockEndpoint } : {}),
        }),
      ),
    }),
  'openai-compatible': (provider, config, options) =>
    createOpenAiCompatibleAdapter({
      provider,
      baseUrl: config.baseUrl,
      apiKey: config.apiKeyName === undefined ? undefined : (options.apiKeys[config.apiKeyName] ?? fixedKey(undefined)),
      promptCacheKey: config.promptCacheKey,
      maxTokensField: config.outputCapField,
    }),
  mock: (provider, config, options) => createMockAdapter({ provider, latencyMs: config.latencyMs, ...random(options) }),
};

const random = (options: RegistryOptions) => (options.simulationRandom ? { random: options.simulationRandom } : {});

export function createProviderRegistry(
  providers: Readonly<Record<string, ProviderConfig>>,
  options: RegistryOptions,
): ProviderRegistry {
  const adapters = new Map<string, ProviderAdapter>();
  const simulated = new Set<string>();
  for (const [provider, config] of Object.entries(providers)) {
    if (config.kind === 'mock' || options.simulate.has(provider)) {
      simulated.add(provider);
      const latencyMs = config.kind === 'mock' ? config.latencyMs : (options.simulatedLatencyMs ?? 0);
      adapters.set(provider, createMockAdapter({ provider, latencyMs, ...random(options) }));
    } else {
      const factory = FACTORIES[config.kind] as Factory<ProviderKind>;
      adapters.set(provider, factory(provider, config as never, options));
    }
  }
  return {
    get(provider) {
      const adapter = adapters.get(provider);
      if (!adapter) throw new Error(`no adapter for provider "${provider}"`);
      return adapter;
    },
    isSimulated: (provider) => simulated.has(provider),
  };
}
