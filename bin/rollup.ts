/**
 * `npm run rollup -- [--date YYYY-MM-DD] [--dynamo URL]`: the budget rollup
 * against the running local gateway's embedded DynamoDB. It runs the same code
 * as the rollup Lambda and prints what SNS would receive instead of sending it.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoAlertClaims, createDynamoSummaryStore } from '../lambda/adapters/dynamodb-rollup-store';
import { createDynamoUsageReader } from '../lambda/adapters/dynamodb-usage';
import { runRollup } from '../lambda/core/rollup';
import { renderUsage } from '../lambda/core/usage-report';
import { DEFAULT_POLICY_FILE, readPolicyFile } from '../lambda/policy/policy-file';
import { rollupDay } from '../lambda/handlers/rollup';
import { LOCAL_AWS } from '../lambda/local/dynalite';
import { DEFAULT_DYNAMO_PORT, LEDGER_TABLE_NAME } from '../lambda/local/local-gateway';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      date: { type: 'string' },
      dynamo: { type: 'string', default: `http://127.0.0.1:${process.env['SWITCHYARD_DYNAMO_PORT'] || DEFAULT_DYNAMO_PORT}` },
    },
  });
  const now = Date.now();
  const day = rollupDay(values.date ?? 'today', now);
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: values.dynamo, maxAttempts: 1 });
  const tableName = LEDGER_TABLE_NAME;
  const policy = readPolicyFile(process.env['SWITCHYARD_POLICY'] || DEFAULT_POLICY_FILE);
  try {
    const result = await runRollup(day, now, {
      policy,
      usage: createDynamoUsageReader({ client, tableName }),
      claims: createDynamoAlertClaims({ client, tableName }),
      summaries: createDynamoSummaryStore({ client, tableName }),
      publisher: {
        async publish(alert) {
          console.log(
            [
              '--- SNS message (local: printed, not sent) ---',
              `Subject: ${alert.subject}`,
              `Attributes: severity=${alert.severity} budget=${alert.budgetId} threshold=${alert.threshold} day=${alert.day}`,
              '',
              alert.message,
              '--- end of message ---',
              '',
            ].join('\n'),
          );
        },
      },
    });
    if (result.sent.length === 0) console.log(`No new budget alerts for ${day} (each alert is sent once a day).\n`);
    console.log(renderUsage(result.report));
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    console.error(`The rollup could not read ${values.dynamo}: is npm start running? (${cause})`);
    process.exitCode = 1;
  } finally {
    client.destroy();
  }
}

void main();
