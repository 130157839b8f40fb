/**
 * Local: what `npm start` runs in place of AWS: an embedded DynamoDB, the
 * fallback state machine run in-process, the aggregation feed, the HTTP server
 * and Lambda's runtime stand-ins.
 *
 * An embedded DynamoDB (dynalite) on 127.0.0.1, in memory unless given a
 * directory, with the ledger table created the way CDK creates it.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { ledgerTableDefinition } from '../adapters/dynamodb/ledger-table';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:net').Server;

export interface EmbeddedDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** The same endpoint without retries, for counter ADDs (as in AWS). */
  readonly counterClient: DynamoDBClient;
  close(): Promise<void>;
}

/** Local credentials: dynalite checks none, but the SDK insists on signing. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;

export async function startEmbeddedDynamo(options: { dataDir?: string; port?: number; endpoint?: string } = {}): Promise<EmbeddedDynamo> {
  // A DynamoDB already running elsewhere (the benchmark's, in a process of its own): clients only.
  if (options.endpoint) return dynamoClients(options.endpoint, async () => undefined);
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return dynamoClients(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => new Promise<void>((resolve) => server.close(() => resolve())));
}

function dynamoClients(endpoint: string, closeServer: () => Promise<void>): EmbeddedDynamo {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const counterClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  return {
    endpoint,
    client,
    counterClient,
    close: async () => {
      client.destroy();
      counterClient.destroy();
      await closeServer();
    },
  };
}

export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
