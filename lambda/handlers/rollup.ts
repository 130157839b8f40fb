/**
 * The rollup Lambda, run by EventBridge Scheduler: daily for the days that
 * have ended, hourly for the day so far. Input: `{"day": "today" | "ended" |
 * "yesterday" | "YYYY-MM-DD"}`. `ended` covers the last two UTC days: the
 * daily schedule runs at a local time, which daylight saving moves against
 * UTC, and a rerun of a day is harmless (its alerts go out once).
 */
import { createDynamoFeedbackStore } from '../adapters/dynamodb/dynamodb-feedback-store';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { createDynamoAlertClaims, createDynamoSummaryStore } from '../adapters/dynamodb/dynamodb-rollup-store';
import { createDynamoUsageReader } from '../adapters/dynamodb/dynamodb-usage';
import { createDynamoKeyStore } from '../adapters/dynamodb/dynamodb-key-store';
import { createSnsAlertPublisher } from '../adapters/sns-alert-publisher';
import { ConfigError } from '../core/base/errors';
import { runRollup, type RollupResult } from '../core/accounting/rollup';
import { DAY_MS, isUtcDay, utcDay } from '../core/base/utc-day';
import { ENVIRONMENT } from '../contract/deployment';
import { readRuntimeConfig } from './runtime-config';

export function rollupDay(requested: string | undefined, now: number): string {
  if (requested === undefined || requested === 'today') return utcDay(now);
  if (requested === 'yesterday') return utcDay(now - DAY_MS);
  if (isUtcDay(requested)) return requested;
  throw new ConfigError(`The rollup's "day" is "${requested}"; use today, yesterday or YYYY-MM-DD.`);
}

const logger = new Logger({ serviceName: 'switchyard-rollup' });
let started: ReturnType<typeof start> | undefined;

function start() {
  const config = readRuntimeConfig(process.env);
  const topicArn = process.env[ENVIRONMENT.alertTopicArn];
  if (!topicArn) throw new ConfigError(`Invalid rollup environment: ${ENVIRONMENT.alertTopicArn} is not set`);
  const client = new DynamoDBClient({});
  const tableName = config.ledgerTableName;
  return {
    policy: config.policy,
    usage: createDynamoUsageReader({ client, tableName }),
    claims: createDynamoAlertClaims({ client, tableName }),
    summaries: createDynamoSummaryStore({ client, tableName }),
    keys: createDynamoKeyStore({ client, tableName }),
    feedback: createDynamoFeedbackStore({ client, tableName }),
    publisher: createSnsAlertPublisher({ client: new SNSClient({}), topicArn }),
  };
}

export async function handler(event: { day?: string } = {}): Promise<{ day: string; spentUsd: string; alerts: string[] }[]> {
  started ??= start();
  const now = Date.now();
  const days = event.day === 'ended' ? [rollupDay('yesterday', now), rollupDay('yesterday', now - DAY_MS)] : [rollupDay(event.day, now)];
  const results = [];
  for (const day of days) {
    const result: RollupResult = await runRollup(day, now, started);
    const alerts = result.sent.map((alert) => `${alert.budgetId}@${alert.threshold}`);
    logger.info('rollup done', { day, spentUsd: result.report.total.cost_usd, alerts });
    results.push({ day, spentUsd: result.report.total.cost_usd, alerts });
  }
  return results;
}
