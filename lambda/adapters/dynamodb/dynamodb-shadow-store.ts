/**
 * Shadow results in the ledger's table: one item per shadowed request, in
 * its route's (or tier's) day partition (`SHADOW#<name>#<day>` /
 * `REQ#<requestId>`), so a report is one query. Models, costs, latencies,
 * and the judge's verdict and one-sentence reason: the prompt and the
 * answers are not stored, though the judge's reason, being model text of at
 * most 200 characters, may quote them.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { JudgeVerdict, ShadowResult, ShadowResultStore } from '../../core/features/shadow';
import { DEFAULT_LEDGER_RETENTION_DAYS } from '../../contract/deployment';
import { KEY_PREFIXES, LEDGER_KEYS, queryPartition } from './ledger-table';

const partition = (name: string, day: string) => `${KEY_PREFIXES.shadow}${name}#${day}`;

export function createDynamoShadowResultStore(options: { client: DynamoDBClient; tableName: string; retentionDays?: number }): ShadowResultStore {
  const { client, tableName } = options;
  const retentionSeconds = (options.retentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS) * 86_400;
  return {
    async put(result) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: toItem(result, retentionSeconds) }));
    },
    async readDay(name, day) {
      return (await queryPartition(client, tableName, partition(name, day))).map(fromItem);
    },
  };
}

function toItem(result: ShadowResult, retentionSeconds: number): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    [LEDGER_KEYS.partitionKey]: { S: partition(result.name, result.day) },
    [LEDGER_KEYS.sortKey]: { S: `${KEY_PREFIXES.request}${result.requestId}` },
    name: { S: result.name },
    day: { S: result.day },
    requestId: { S: result.requestId },
    callerId: { S: result.callerId },
    primaryModel: { S: result.primary.model },
    primaryCostNanoUsd: { N: result.primary.costNanoUsd.toString() },
    primaryLatencyMs: { N: String(Math.round(result.primary.latencyMs)) },
    candidateModel: { S: result.candidate.model },
    candidateCostNanoUsd: { N: result.candidate.costNanoUsd.toString() },
    candidateLatencyMs: { N: String(Math.round(result.candidate.latencyMs)) },
    candidateOutcome: { S: result.candidate.outcome },
    [LEDGER_KEYS.timeToLive]: { N: String(Math.floor(Date.parse(`${result.day}T00:00:00Z`) / 1000) + retentionSeconds) },
  };
  if (result.judge) {
    item['judgeModel'] = { S: result.judge.model };
    item['judgeVerdict'] = { S: result.judge.verdict };
    item['judgeReason'] = { S: result.judge.reason };
    item['judgeCostNanoUsd'] = { N: result.judge.costNanoUsd.toString() };
  }
  return item;
}

function fromItem(item: Record<string, AttributeValue>): ShadowResult {
  const text = (name: string) => item[name]?.S ?? '';
  const number = (name: string) => Number(item[name]?.N ?? '0');
  const nano = (name: string) => BigInt(item[name]?.N ?? '0');
  return {
    name: text('name'),
    day: text('day'),
    requestId: text('requestId'),
    callerId: text('callerId'),
    primary: { model: text('primaryModel'), costNanoUsd: nano('primaryCostNanoUsd'), latencyMs: number('primaryLatencyMs') },
    candidate: { model: text('candidateModel'), costNanoUsd: nano('candidateCostNanoUsd'), latencyMs: number('candidateLatencyMs'), outcome: text('candidateOutcome') },
    ...(item['judgeModel']?.S === undefined
      ? {}
      : { judge: { model: text('judgeModel'), verdict: text('judgeVerdict') as JudgeVerdict, reason: text('judgeReason'), costNanoUsd: nano('judgeCostNanoUsd') } }),
  };
}
