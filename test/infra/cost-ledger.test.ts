import { RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CostLedger } from '../../lib/constructs/cost-ledger';
import { templateOf, testStack } from '../support/cdk';

describe('CostLedger', () => {
  it('is an on-demand, encrypted, point-in-time recoverable table with TTL, retained with the stack', () => {
    const stack = testStack();
    new CostLedger(stack, 'Ledger');
    const template = templateOf(stack);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      }),
    });
  });

  it('grants writers PutItem and UpdateItem, readers GetItem, BatchGetItem and Query, and nobody Scan or delete', () => {
    const stack = testStack();
    const ledger = new CostLedger(stack, 'Ledger');
    ledger.grantWrite(new Role(stack, 'Writer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
    ledger.grantRead(new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
    const policies = templateOf(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(statements.map((statement: { Action: unknown }) => statement.Action)).toEqual([
      ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
    ]);
  });

  it('can be destroyed with the stack when asked', () => {
    const stack = testStack();
    new CostLedger(stack, 'Ledger', { removalPolicy: RemovalPolicy.DESTROY });
    templateOf(stack).hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });
});
