import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { KEY_BUDGET_ATTRIBUTES, KEY_PREFIXES, LEDGER_KEYS } from '../../lambda/adapters/dynamodb/ledger-table';

export interface CostLedgerProps {
  /**
   * What happens to the table when the stack is deleted. The ledger is the
   * record of what was spent, so it outlives the stack unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB table of per-attempt cost records: on-demand, encrypted,
 * point-in-time recoverable. Its stream carries new items' images to the
 * aggregator (`LedgerAggregator`).
 */
export class CostLedger extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: CostLedgerProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: LEDGER_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: LEDGER_KEYS.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: LEDGER_KEYS.timeToLive,
      dynamoStream: StreamViewType.NEW_IMAGE,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }

  /**
   * Lets `grantee` add and update items, never delete them; with
   * `onlyKeysStartingWith`, only items whose partition key has one of those prefixes.
   */
  grantWrite(grantee: IGrantable, options: { readonly onlyKeysStartingWith?: readonly string[] } = {}): Grant {
    return this.grantOn(grantee, ['dynamodb:PutItem', 'dynamodb:UpdateItem'], options.onlyKeysStartingWith);
  }

  /** Lets `grantee` read managed keys' records by id, and nothing else: what the authorizer needs. */
  grantKeyRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_PREFIXES.apiKey] } },
    });
  }

  /**
   * Lets `grantee` query managed keys' records for their budgets, and only the
   * attributes a budget is read from: never a secret's hash. What the rollup needs.
   */
  grantKeyBudgetRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [KEY_PREFIXES.apiKey], 'dynamodb:Attributes': [...KEY_BUDGET_ATTRIBUTES] },
        StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
    });
  }

  /** Lets `grantee` read items and query partitions, with `onlyKeysStartingWith` only those whose partition key has one of the prefixes; no Scan. */
  grantRead(grantee: IGrantable, options: { readonly onlyKeysStartingWith?: readonly string[] } = {}): Grant {
    return this.grantOn(grantee, ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], options.onlyKeysStartingWith);
  }

  /** `actions` on the table, held by `dynamodb:LeadingKeys` to partition keys with one of `prefixes` when given. */
  private grantOn(grantee: IGrantable, actions: string[], prefixes: readonly string[] | undefined): Grant {
    if (!prefixes) return this.table.grant(grantee, ...actions);
    return Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) } },
    });
  }
}
