/**
 * `npm run rebuild-aggregates -- --date YYYY-MM-DD [--dynamo URL | --table NAME [--region R]]`:
 * recomputes a day's usage aggregates from its attempt records, the ledger's
 * source of truth. By default it repairs the embedded DynamoDB of the
 * `npm start` on PORT; with `--table` it repairs a deployed ledger with your
 * AWS credentials (the stack's `LedgerTableName` output).
 *
 * Use it when the aggregator's on-failure alarm fires: its queue names the
 * stream range that was not counted; rebuild the days in it.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { rebuildDay } from '../lambda/adapters/dynamodb/dynamodb-usage';
import { ConfigError } from '../lambda/core/base/errors';
import { DAY_SECONDS, isUtcDay, startOfUtcDay, utcDay } from '../lambda/core/base/utc-day';
import { DEFAULT_LEDGER_RETENTION_DAYS } from '../lambda/contract/deployment';
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
      table: { type: 'string' },
      region: { type: 'string' },
      'retention-days': { type: 'string', default: String(DEFAULT_LEDGER_RETENTION_DAYS) },
    },
  });
  const day = values.date;
  if (day === undefined || !isUtcDay(day)) throw new ConfigError(`Pass the day to rebuild as --date YYYY-MM-DD${day === undefined ? '' : ` (not "${day}")`}.`);
  const retentionDays = Number(values['retention-days']);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new ConfigError(`--retention-days must be a whole number of days, not "${values['retention-days']}".`);
  if (values.table !== undefined && values.dynamo !== undefined) throw new ConfigError('Pass --table (a deployed ledger) or --dynamo (a local one), not both.');

  const local = values.table === undefined;
  const endpoint = local ? (values.dynamo ?? findGateway(portSetting(process.env), 'pass --dynamo <url> or --table <name>').dynamoEndpoint) : undefined;
  const tableName = values.table ?? LEDGER_TABLE_NAME;
  const client = local ? new DynamoDBClient({ ...LOCAL_AWS, endpoint }) : new DynamoDBClient(values.region ? { region: values.region } : {});
  console.log(`Ledger: ${tableName}${endpoint ? ` at ${endpoint}` : ' (AWS)'}`);
  if (day === utcDay(Date.now())) console.log(`${day} is today: attempts the aggregator counts while this runs may be overwritten; rebuild it again once the day has ended.`);
  try {
    const result = await rebuildDay({ client, tableName, day, expiresAt: startOfUtcDay(day) / 1000 + retentionDays * DAY_SECONDS });
    console.log(
      `Rebuilt ${day} from ${result.attempts.toLocaleString('en')} attempt records (${result.scanned.toLocaleString('en')} items scanned): ` +
        `${result.counters} counters written, ${result.replaced} aggregate items replaced.`,
    );
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
