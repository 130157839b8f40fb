/**
 * A local gateway whose chain is two models on one OpenAI-compatible host: a
 * scripted server on 127.0.0.1 that speaks the wire format. End-to-end tests
 * script the host and drive the gateway.
 */
import { loadPolicy } from '../../lambda/policy/load-policy';
import type { Capability, PolicyDocument } from '../../lambda/policy/schema';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from '../../lambda/local/local-gateway';
import { startScriptedServer, type Script, type ScriptedServer } from './scripted-server';

export const WIRE_CHAIN = ['wire/first', 'wire/second'] as const;
const PRICE = { input: '0.4', output: '1.6', source: 'test', asOf: '2026-01-01' };

export interface WireGateway {
  readonly provider: ScriptedServer;
  readonly gateway: LocalGateway;
  close(): Promise<void>;
}

/**
 * Every tier routes `wire/first`, then `wire/second`, both at $0.40 / $1.60 per million tokens.
 * `capabilities` gives each model its own (by default none).
 */
export async function startWireGateway(
  script: Script,
  fallback: NonNullable<PolicyDocument['fallback']> = {},
  capabilities: { readonly first?: Capability[]; readonly second?: Capability[] } = {},
  options: Pick<LocalGatewayOptions, 'aggregateWindowMs'> = {},
): Promise<WireGateway> {
  const provider = await startScriptedServer(script);
  const chain = [...WIRE_CHAIN];
  const gateway = await startLocalGateway({
    port: 0,
    simulate: 'none',
    environment: {},
    retryIntervalMs: 1,
    ...options,
    policy: loadPolicy({
      version: 1,
      providers: { wire: { kind: 'openai-compatible', baseUrl: `${provider.url}/v1` } },
      models: {
        'wire/first': { contextWindow: 100_000, maxOutputTokens: 1000, price: PRICE, capabilities: capabilities.first ?? [] },
        'wire/second': { contextWindow: 100_000, maxOutputTokens: 1000, price: PRICE, capabilities: capabilities.second ?? [] },
      },
      tiers: { '0': chain, '1': chain, '2': chain, '3': chain },
      flagship: 'wire/second',
      fallback: { ...fallback, circuitBreaker: { failureThreshold: 1000 } },
    }),
  });
  return {
    provider,
    gateway,
    close: async () => {
      await gateway.close();
      await provider.close();
    },
  };
}
