/**
 * Everything Switchyard keeps in its one DynamoDB table, wired once: the
 * ledger, the circuits, the budgets, the usage reader and the feedback. The Lambda
 * functions, local mode, the benchmark and the tests all build them here.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BudgetStore } from '../../core/accounting/budgets';
import type { CircuitStore } from '../../core/execution/circuit-breaker';
import type { FeedbackStore } from '../../core/features/feedback';
import type { AttemptRecord, Ledger } from '../../core/accounting/ledger';
import type { ShadowResultStore } from '../../core/features/shadow';
import type { UsageReader } from '../../core/accounting/usage-aggregates';
import { createDynamoBudgetStore } from './dynamodb-budget-store';
import { createDynamoCircuitStore } from './dynamodb-circuit-store';
import { createDynamoFeedbackStore } from './dynamodb-feedback-store';
import { createDynamoShadowResultStore } from './dynamodb-shadow-store';
import { createDynamoLedger } from './dynamodb-ledger';
import { createDynamoUsageReader } from './dynamodb-usage';
import { createDynamoSessionStore } from '../dynamodb-session-store';
import type { SessionStore } from '../../core/routing/session-affinity';

export interface DynamoStoresOptions {
  readonly client: DynamoDBClient;
  /** The same table without SDK retries, for counter ADDs: a retried ADD would count twice. */
  readonly counterClient: DynamoDBClient;
  readonly tableName: string;
  /** @default DEFAULT_LEDGER_RETENTION_DAYS */
  readonly retentionDays?: number;
  readonly circuitBreaker: { readonly failureThreshold: number; readonly cooldownSeconds: number };
  /** The ledger's `onRecorded`: local mode's stand-in for the table's stream. @default nobody */
  readonly onRecorded?: (records: readonly AttemptRecord[]) => void;
}

export interface DynamoStores {
  readonly ledger: Ledger;
  readonly circuits: CircuitStore;
  readonly budgets: BudgetStore;
  readonly usage: UsageReader;
  readonly feedback: FeedbackStore;
  readonly shadowResults: ShadowResultStore;
  readonly sessions: SessionStore;
}

export function createDynamoStores(options: DynamoStoresOptions): DynamoStores {
  const { client, counterClient, tableName } = options;
  return {
    ledger: createDynamoLedger({
      client,
      tableName,
      ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
      ...(options.onRecorded ? { onRecorded: options.onRecorded } : {}),
    }),
    circuits: createDynamoCircuitStore({ client, tableName, ...options.circuitBreaker }),
    budgets: createDynamoBudgetStore({ client, adjustClient: counterClient, tableName }),
    usage: createDynamoUsageReader({ client, tableName }),
    feedback: createDynamoFeedbackStore({ client, tableName, ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}) }),
    sessions: createDynamoSessionStore({ client, tableName }),
    shadowResults: createDynamoShadowResultStore({ client, tableName, ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}) }),
  };
}
