/** The real Bedrock adapter and SDK client, pointed at a local server that speaks Bedrock's wire format. */
import { LOCAL_AWS } from '../../lambda/local/dynalite';
import { createBedrockAdapter, createBedrockClient } from '../../lambda/providers/bedrock/bedrock-provider';
import type { ScriptedServer } from './scripted-server';

export function bedrockAdapterFor(server: ScriptedServer): ReturnType<typeof createBedrockAdapter> {
  return createBedrockAdapter({ provider: 'bedrock', client: createBedrockClient({ ...LOCAL_AWS, endpoint: server.url }) });
}
