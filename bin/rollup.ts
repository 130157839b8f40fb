/**
 * `npm run rollup -- [--date YYYY-MM-DD] [--dynamo URL] [--policy FILE]`: the
 * budget rollup against the embedded DynamoDB of the `npm start` on PORT
 * (default 8787), with the budgets of the policy that gateway runs with. It
 * runs the same code as the rollup Lambda and prints what SNS would receive
 * instead of sending it.
 */
import { createDynamoFeedbackStore } from '../lambda/adapters/dynamodb/dynamodb-feedback-store';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoAlertClaims, createDynamoSummaryStore } from '../lambda/adapters/dynamodb/dynamodb-rollup-store';
import { createDynamoUsageReader } from '../lambda/adapters/dynamodb/dynamodb-usage';
import { createDynamoKeyStore } from '../lambda/adapters/dynamodb/dynamodb-key-store';
import { runRollup } from '../lambda/core/accounting/rollup';
import { renderUsage } from '../lambda/core/accounting/usage-report';
import { ConfigError } from '../lambda/core/base/errors';
import { readPolicyFile } from '../lambda/policy/policy-file';
import { rollupDay } from '../lambda/handlers/rollup';
import { LOCAL_AWS } from '../lambda/local/dynalite';
import { findGateway, portSetting } from '../lambda/local/gateway-state';
import { LEDGER_TABLE_NAME } from '../lambda/local/local-gateway';
import { answerHelp } from '../lib/cli/help';

async function main(): Promise<void> {
  answerHelp(__filename);
  const { values } = parseArgs({
    options: {
      date: { type: 'string' },
      dynamo: { type: 'string' },
      policy: { type: 'string' },
    },
  });
  const { dynamo, policyFile, whose } = target(values.dynamo, values.policy);
  const now = Date.now();
  const day = rollupDay(values.date ?? 'today', now);
  const policy = readPolicyFile(policyFile);
  console.log(`Policy: ${policyFile} (${whose})\nLedger: ${dynamo}\n`);
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo, maxAttempts: 1 });
  const tableName = LEDGER_TABLE_NAME;
  try {
    const result = await runRollup(day, now, {
      policy,
      usage: createDynamoUsageReader({ client, tableName }),
      claims: createDynamoAlertClaims({ client, tableName }),
      summaries: createDynamoSummaryStore({ client, tableName }),
      keys: createDynamoKeyStore({ client, tableName }),
      feedback: createDynamoFeedbackStore({ client, tableName }),
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
    console.error(`The rollup could not read ${dynamo}: is npm start running? (${cause})`);
    process.exitCode = 1;
  } finally {
    client.destroy();
  }
}

/**
 * The DynamoDB and policy to roll up: the flags, else the gateway on PORT.
 * Never a guessed policy: budgets checked against the wrong one report nothing.
 */
function target(dynamoFlag: string | undefined, policyFlag: string | undefined): { dynamo: string; policyFile: string; whose: string } {
  if (dynamoFlag !== undefined && policyFlag !== undefined) return { dynamo: dynamoFlag, policyFile: policyFlag, whose: 'from --policy' };
  const port = portSetting(process.env);
  const gateway = findGateway(port, 'pass --dynamo <url> and --policy <file>');
  if (policyFlag !== undefined) return { dynamo: gateway.dynamoEndpoint, policyFile: policyFlag, whose: 'from --policy' };
  if (dynamoFlag !== undefined && dynamoFlag.replace(/\/+$/, '') !== gateway.dynamoEndpoint) {
    throw new ConfigError(
      `${dynamoFlag} is not the DynamoDB of npm start on PORT=${port} (${gateway.dynamoEndpoint}), so its policy is unknown: pass --policy <file> too.`,
    );
  }
  return { dynamo: gateway.dynamoEndpoint, policyFile: gateway.policyFile, whose: `the one npm start on PORT=${port} runs with` };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
