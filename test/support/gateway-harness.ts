/**
 * The whole gateway in-process, on scripted providers, an in-memory ledger
 * and the test policy: `send` makes one request (a fresh request id each), and
 * the records, logged errors and stores are there to inspect.
 */
import { createMemoryBudgetStore, type BudgetStore } from '../../lambda/core/accounting/budgets';
import { createMemoryLedger, type Ledger } from '../../lambda/core/accounting/ledger';
import { usageFromRecords } from '../../lambda/core/accounting/usage-aggregates';
import type { Log } from '../../lambda/core/base/telemetry';
import { createMemoryCircuitStore } from '../../lambda/core/execution/circuit-breaker';
import type { FallbackRunner } from '../../lambda/core/execution/fallback-contract';
import { createInProcessFallback } from '../../lambda/core/execution/in-process-fallback';
import { createMemoryFeedbackStore } from '../../lambda/core/features/feedback';
import type { KeyLimits } from '../../lambda/core/features/managed-keys';
import { createGateway } from '../../lambda/core/gateway/create-gateway';
import type { GatewayDependencies, GatewayRequest } from '../../lambda/core/gateway/types';
import type { ProviderRegistry } from '../../lambda/core/model/provider';
import type { Policy } from '../../lambda/policy/policy';
import { testPolicy } from './policies';
import { scriptedRegistry, type ScriptedOutcome } from './scripted-providers';

export function gatewayHarness(
  outcomes: Record<string, ScriptedOutcome>,
  options: {
    failLedger?: boolean;
    providers?: ProviderRegistry;
    fallback?: FallbackRunner;
    budgets?: BudgetStore;
    policy?: Policy;
    keyLimits?: KeyLimits;
    shadows?: GatewayDependencies['shadows'];
    sessions?: GatewayDependencies['sessions'];
  } = {},
) {
  const memory = createMemoryLedger();
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  const ledger: Ledger = {
    ...memory,
    async record(batch) {
      if (options.failLedger) throw new Error('DynamoDB is down');
      await memory.record(batch);
    },
  };
  const log: Log = { info: () => undefined, error: (message, fields) => errors.push({ message, fields }) };
  const providers = options.providers ?? scriptedRegistry(outcomes);
  const policy = options.policy ?? testPolicy();
  const circuits = createMemoryCircuitStore(policy.fallback.circuitBreaker);
  const budgets = options.budgets ?? createMemoryBudgetStore();
  const dependencies = { policy, providers, ledger, circuits, budgets, clock: { now: () => Date.now() }, log };
  const fallback = options.fallback ?? createInProcessFallback(dependencies, { sleep: async () => undefined });
  const usage = { readDay: async (day: string) => usageFromRecords(day, memory.records) };
  const feedback = createMemoryFeedbackStore();
  const gateway = createGateway({ ...dependencies, fallback, usage, feedback, ...(options.shadows ? { shadows: options.shadows } : {}), sessions: options.sessions });
  let sent = 0;
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, query: Record<string, string> = {}, callerId = 'key:abc0000000000000') => {
    sent += 1;
    const request: GatewayRequest = {
      requestId: `req-${sent}`,
      method,
      path,
      headers,
      query,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      callerId,
      deadline: Date.now() + 5000,
      keyLimits: options.keyLimits,
    };
    return gateway(request);
  };
  return { send, records: memory.records, errors, providers, circuits, budgets };
}
