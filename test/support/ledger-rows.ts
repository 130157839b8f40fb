/** The attempt rows of one request, read straight from the local gateway's table. */
import { QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LocalGateway } from '../../lambda/local/local-gateway';

export async function attemptRows(gateway: LocalGateway, requestId: string): Promise<Record<string, AttributeValue>[]> {
  const result = await gateway.dynamo.client.send(
    new QueryCommand({
      TableName: gateway.ledgerTableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)',
      ExpressionAttributeValues: { ':pk': { S: `REQ#${requestId}` }, ':attempt': { S: 'ATTEMPT#' } },
    }),
  );
  return result.Items ?? [];
}
