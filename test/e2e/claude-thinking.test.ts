/**
 * Claude's extended thinking end to end, as Claude Code uses it: the
 * @anthropic-ai/sdk client against the local gateway, whose Claude model runs
 * through the real Bedrock SDK against a local Bedrock wire server replaying
 * ConverseStream event frames with reasoning in them.
 */
import Anthropic from '@anthropic-ai/sdk';
import { loadPolicy } from '../../lambda/policy/load-policy';
import { startLocalGateway, type LocalGateway } from '../../lambda/local/local-gateway';
import { encodeFrames, EVENT_STREAM_CONTENT_TYPE, type StreamFrame } from '../support/bedrock-event-stream';
import { fixture } from '../support/fixtures';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

// The Bedrock client signs with whatever credentials the default chain finds.
process.env['AWS_ACCESS_KEY_ID'] = 'local';
process.env['AWS_SECRET_ACCESS_KEY'] = 'local';
process.env['AWS_REGION'] = 'us-east-1';

const HAIKU = 'bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0';

describe('Claude thinking through the local gateway, with the @anthropic-ai/sdk client', () => {
  let bedrock: ScriptedServer;
  let gateway: LocalGateway;
  let client: Anthropic;

  beforeAll(async () => {
    bedrock = await startScriptedServer(() => ({ headers: { 'content-type': EVENT_STREAM_CONTENT_TYPE }, chunks: encodeFrames(fixture<StreamFrame[]>('bedrock/converse-stream-thinking.json')) }));
    gateway = await startLocalGateway({
      port: 0,
      simulate: 'none',
      environment: {},
      bedrockEndpoint: bedrock.url,
      policy: loadPolicy({
        version: 1,
        models: { [HAIKU]: { contextWindow: 200_000, maxOutputTokens: 64_000, capabilities: ['tools', 'reasoning'] } },
        tiers: { '0': [HAIKU], '1': [HAIKU], '2': [HAIKU], '3': [HAIKU] },
        flagship: HAIKU,
        aliases: { 'claude-haiku-4-5': HAIKU },
      }),
    });
    client = new Anthropic({ baseURL: gateway.baseUrl.replace(/\/v1$/, ''), apiKey: 'claude-code-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await bedrock.close();
  });

  it('streams the thinking block with its signature, then the text, and takes the thinking back on the next turn', async () => {
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const } }];
    const first = await client.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 2048 }, tools, messages: [{ role: 'user', content: 'Where did I fly? I flew to Lisbon.' }] })
      .finalMessage();
    expect(first.content).toEqual([
      { type: 'thinking', thinking: 'The user flew to Lisbon, so the answer is Lisbon.', signature: 'EqQBCkgIARABGAIiQL0qRlFjUNT2' },
      expect.objectContaining({ type: 'text', text: 'Lisbon.' }),
    ]);
    expect(JSON.parse(bedrock.requests.at(-1)!.body).additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });

    // The next turn answers a tool call and sends the thinking back, as Claude Code does: thinking stays on.
    const thinking = first.content[0]!;
    const { response } = await client.messages
      .create({
        model: 'claude-haiku-4-5',
        max_tokens: 8000,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools,
        messages: [
          { role: 'user', content: 'Weather in Lisbon?' },
          { role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
        ],
      })
      .withResponse();
    const sent = JSON.parse(bedrock.requests.at(-1)!.body);
    expect(sent.messages[1].content[0]).toEqual({ reasoningContent: { reasoningText: { text: 'The user flew to Lisbon, so the answer is Lisbon.', signature: 'EqQBCkgIARABGAIiQL0qRlFjUNT2' } } });
    expect(sent.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(response.headers.get('x-switchyard-adjusted')).toBeNull();
  });
});
