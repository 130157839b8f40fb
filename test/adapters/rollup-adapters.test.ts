import { SNSClient } from '@aws-sdk/client-sns';
import { createDynamoAlertClaims } from '../../lambda/adapters/dynamodb/dynamodb-rollup-store';
import { createSnsAlertPublisher } from '../../lambda/adapters/sns-alert-publisher';
import { ensureLedgerTable, LOCAL_AWS, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server';

describe('alert claims on DynamoDB, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, 'claims');
  });
  afterAll(() => dynamo.close());

  it('lets a claim that was never confirmed be taken again once stale, but never a sent one', async () => {
    const clock = { value: Date.parse('2026-11-27T12:00:00Z') };
    const claims = createDynamoAlertClaims({ client: dynamo.client, tableName: 'claims', now: () => clock.value });
    expect(await claims.claim('2026-11-27#caller:x#50')).toBe(true);
    expect(await claims.claim('2026-11-27#caller:y#50')).toBe(true);
    await claims.confirm('2026-11-27#caller:y#50');
    clock.value += 11 * 60 * 1000;
    expect(await claims.claim('2026-11-27#caller:x#50')).toBe(true) /* 'the first claimer died before sending' */;
    expect(await claims.claim('2026-11-27#caller:y#50')).toBe(false) /* 'already sent' */;
  });

  it('grants a claim to exactly one of many concurrent rollups, and again once released', async () => {
    const claims = createDynamoAlertClaims({ client: dynamo.client, tableName: 'claims' });
    const results = await Promise.all(Array.from({ length: 8 }, () => claims.claim('2026-11-27#global#80')));
    expect(results.filter(Boolean).length).toBe(1);
    expect(await claims.claim('2026-11-27#global#80')).toBe(false);
    await claims.release('2026-11-27#global#80');
    expect(await claims.claim('2026-11-27#global#80')).toBe(true);
    expect(await claims.claim('2026-11-27#global#100')).toBe(true);
  });
});

describe('SNS alert publisher, with the real SNS client against a local SNS stub', () => {
  let sns: ScriptedServer;
  beforeAll(async () => {
    sns = await startScriptedServer(() => ({
      headers: { 'content-type': 'text/xml' },
      body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
    }));
  });
  afterAll(() => sns.close());

  it('publishes the subject, the plain-text body and filterable attributes', async () => {
    const publisher = createSnsAlertPublisher({
      client: new SNSClient({ ...LOCAL_AWS, endpoint: sns.url }),
      topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    });
    await publisher.publish({
      day: '2026-11-27',
      budgetId: 'global',
      threshold: '80',
      implies: ['50'],
      severity: 'warning',
      subject: '[Switchyard warning] budget global passed 80% of its cap',
      message: 'Spend: $8.50 of $10.00',
    });
    const form = new URLSearchParams(sns.requests[0]!.body);
    expect(form.get('Action')).toBe('Publish');
    expect(form.get('TopicArn')).toBe('arn:aws:sns:us-east-1:123456789012:alerts');
    expect(form.get('Subject')).toBe('[Switchyard warning] budget global passed 80% of its cap');
    expect(form.get('Message')).toBe('Spend: $8.50 of $10.00');
    const attributes = new Map<string, string>();
    for (let index = 1; form.has(`MessageAttributes.entry.${index}.Name`); index += 1) {
      attributes.set(form.get(`MessageAttributes.entry.${index}.Name`)!, form.get(`MessageAttributes.entry.${index}.Value.StringValue`)!);
    }
    expect(Object.fromEntries(attributes)).toEqual({ severity: 'warning', budget: 'global', threshold: '80', day: '2026-11-27' });
  });
});
