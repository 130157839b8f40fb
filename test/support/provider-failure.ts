import { ProviderError } from '../../lambda/core/base/errors';
import type { CompletionCall, ProviderAdapter } from '../../lambda/core/model/provider';
import type { ScriptedResponse, ScriptedServer } from './scripted-server';

/**
 * Scripts the wire server's next answer, makes the call and returns the
 * ProviderError the adapter raised (failing the test if it raised none).
 */
export async function failureOf(
  server: ScriptedServer,
  adapter: ProviderAdapter,
  response: ScriptedResponse,
  call: CompletionCall,
): Promise<ProviderError> {
  server.respond(() => response);
  try {
    await adapter.complete(call);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('the call succeeded');
}
