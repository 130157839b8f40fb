/**
 * Least privilege on the ledger table, per role, in the deployed app: every
 * statement that lets a function read or write the table is held by
 * `dynamodb:LeadingKeys` to the partitions that function needs, so the
 * internet-facing router cannot write a managed key's record or an aggregate.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { createSwitchyardApp } from '../../lib/app';

const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(stack);
const tableId = stack.getLogicalId(stack.ledger.table.node.defaultChild as never);

/** The DynamoDB statements on the ledger table in a function's role policies: actions to the key prefixes they are held to (`*` when none). */
function ledgerAccessOf(fn: IFunction): Record<string, string[]> {
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy['Properties'].Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy['Properties'].PolicyDocument.Statement as Record<string, any>[])
    .filter((statement) => JSON.stringify(statement['Resource']).includes(tableId) && JSON.stringify(statement['Action']).includes('dynamodb:'));
  const access: Record<string, string[]> = {};
  for (const statement of statements) {
    const prefixes = statement['Condition']?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? statement['Condition']?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'] ?? ['*'];
    for (const action of [statement['Action']].flat() as string[]) access[action] = [...(access[action] ?? []), ...prefixes].sort();
  }
  return access;
}

const write = (prefixes: string[]) => ({ 'dynamodb:PutItem': prefixes, 'dynamodb:UpdateItem': prefixes });
const read = (prefixes: string[]) => ({ 'dynamodb:GetItem': prefixes, 'dynamodb:BatchGetItem': prefixes, 'dynamodb:Query': prefixes });

describe('each role reaches only its own partitions of the ledger table', () => {
  it('the router: requests, budgets, circuits, sessions and feedback; it reads usage and shadow results too; never keys or aggregates', () => {
    const writes = ['BUDGET#*', 'CIRCUIT#*', 'FEEDBACK#*', 'REQ#*', 'SESSION#*'];
    expect(ledgerAccessOf(stack.router.function)).toEqual({ ...write(writes), ...read([...writes, 'AGG#*', 'SHADOW#*'].sort()) });
  });

  it('the fallback attempt function: requests, budgets and circuits', () => {
    const prefixes = ['BUDGET#*', 'CIRCUIT#*', 'REQ#*'];
    expect(ledgerAccessOf(stack.fallback.attemptFunction.function)).toEqual({ ...write(prefixes), ...read(prefixes) });
  });

  it('the shadow worker: requests, budgets, circuits and its comparisons', () => {
    const prefixes = ['BUDGET#*', 'CIRCUIT#*', 'REQ#*', 'SHADOW#*'];
    expect(ledgerAccessOf(stack.shadow.worker.function)).toEqual({ ...write(prefixes), ...read(prefixes) });
  });

  it('the aggregator writes aggregates and their markers only, and the authorizer reads key records only', () => {
    expect(ledgerAccessOf(stack.aggregator.function)).toMatchObject(write(['AGG#*', 'AGGMARK#*']));
    expect(ledgerAccessOf(stack.api.authorizerFunction!)).toEqual({ 'dynamodb:GetItem': ['APIKEY'] });
  });

  it("the rollup writes alert claims and summaries only, and reads the day's aggregates, feedback and the keys' budgets (no secret's hash: test/infra/budget-alerts.test.ts)", () => {
    expect(ledgerAccessOf(stack.alerts.rollupFunction)).toEqual({
      ...write(['ALERT#*', 'SUMMARY#*']),
      'dynamodb:GetItem': ['AGG#*', 'FEEDBACK#*'],
      'dynamodb:BatchGetItem': ['AGG#*', 'FEEDBACK#*'],
      'dynamodb:Query': ['AGG#*', 'APIKEY', 'FEEDBACK#*'],
    });
  });
});
