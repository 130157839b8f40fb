/** The real Bedrock adapter and SDK client, pointed at a local server that speaks Bedrock's wire format. */
import { LOCAL_AWS } from '../../lambda/local/dynalite';
import { createBedrockAdapter, createBedrockClient } from '../../lambda/providers/bedrock/bedrock-provider';
import { startScriptedServer, type ScriptedServer } from './scripted-server';

export function bedrockAdapterFor(server: ScriptedServer): ReturnType<typeof createBedrockAdapter> {
  return createBedrockAdapter({ provider: 'bedrock', client: createBedrockClient({ ...LOCAL_AWS, endpoint: server.url }), endpoint: server.url });
}

export type BedrockAdapter = ReturnType<typeof createBedrockAdapter>;

/**
 * A local Bedrock wire server and the real adapter on it for a test file:
 * started before its tests, closed after them, handed to `use` once started.
 */
export function useBedrockWireServer(use: (wire: { server: ScriptedServer; adapter: BedrockAdapter }) => void, ...serverOptions: Parameters<typeof startScriptedServer>): void {
  let server: ScriptedServer | undefined;
  beforeAll(async () => {
    server = await startScriptedServer(...serverOptions);
    use({ server, adapter: bedrockAdapterFor(server) });
  });
  afterAll(() => server?.close());
}
