import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';
import { errorNamesFor, PROVIDER_ERROR_NAMES, ROUTING_ERROR_NAMES } from '../../lambda/core/errors';

const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const routerId = logicalIdOf(stack.router.function);
const attemptId = logicalIdOf(stack.fallback.attemptFunction.function);
const stateMachineId = logicalIdOf(stack.fallback.stateMachine);

type Statement = { Action: string | string[]; Resource: unknown };
const statementsOfRole = (roleId: string): Statement[] =>
  Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties['Roles']).includes(roleId))
    .flatMap((policy) => policy.Properties['PolicyDocument'].Statement as Statement[]);
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('FallbackWorkflow', () => {
  it('is an Express state machine with tracing, logging that leaves out execution data, and the API timeout', () => {
    const machine = resources[stateMachineId]!.Properties;
    assert.equal(machine['StateMachineType'], 'EXPRESS');
    assert.deepEqual(machine['TracingConfiguration'], { Enabled: true });
    assert.equal(machine['LoggingConfiguration'].Level, 'ALL');
    assert.equal(machine['LoggingConfiguration'].IncludeExecutionData, false);
    const definition = JSON.parse(machine['DefinitionString']);
    assert.equal(definition.TimeoutSeconds, 29);
    assert.deepEqual(machine['DefinitionSubstitutions'], { AttemptFunctionArn: { 'Fn::GetAtt': [attemptId, 'Arn'] } });
  });

  it("deploys the builder's Retry and Catch lists: the error contract's names", () => {
    const attempt = JSON.parse(resources[stateMachineId]!.Properties['DefinitionString']).States.Attempt;
    assert.equal(attempt.Resource, '${AttemptFunctionArn}');
    assert.deepEqual(attempt.Retry[0].ErrorEquals, errorNamesFor('retry'));
    assert.equal(attempt.Retry[0].JitterStrategy, 'FULL');
    assert.deepEqual(attempt.Catch[0].ErrorEquals, [PROVIDER_ERROR_NAMES.rejected, ROUTING_ERROR_NAMES.deadline, 'Switchyard.BudgetExceeded']);
  });

  it('lets only the router start it, and only synchronously', () => {
    const starters = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties['PolicyDocument']).includes('states:'));
    assert.equal(starters.length, 1);
    const routerRole = resources[routerId]!.Properties['Role']['Fn::GetAtt'][0] as string;
    assert.deepEqual(starters[0]!.Properties['Roles'], [{ Ref: routerRole }]);
    const statement = (starters[0]!.Properties['PolicyDocument'].Statement as Statement[]).find((entry) => actionsOf(entry).some((action) => action.startsWith('states:')))!;
    assert.deepEqual(actionsOf(statement), ['states:StartSyncExecution']);
    assert.deepEqual(statement.Resource, { Ref: stateMachineId });
    assert.deepEqual(resources[routerId]!.Properties['Environment'].Variables.FALLBACK_STATE_MACHINE_ARN, { Ref: stateMachineId });
  });

  it('lets only the state machine invoke the attempt function', () => {
    const machineRole = resources[stateMachineId]!.Properties['RoleArn']['Fn::GetAtt'][0] as string;
    const invokers = Object.entries(resources).filter(([, resource]) => {
      const document = JSON.stringify(resource.Properties['PolicyDocument'] ?? {});
      return resource.Type === 'AWS::IAM::Policy' && document.includes('lambda:InvokeFunction') && document.includes(attemptId);
    });
    assert.equal(invokers.length, 1);
    assert.match(JSON.stringify(invokers[0]![1].Properties['Roles']), new RegExp(machineRole));
    const invoke = statementsOfRole(machineRole).find((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))!;
    assert.match(JSON.stringify(invoke.Resource), new RegExp(attemptId));
    const permissions = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Permission');
    assert.ok(!permissions.some((permission) => JSON.stringify(permission.Properties['FunctionName']).includes(attemptId)));
  });

  it('gives the attempt function the same provider and ledger access as the router, and no way to start workflows', () => {
    const attemptRole = resources[attemptId]!.Properties['Role']['Fn::GetAtt'][0] as string;
    const actions = statementsOfRole(attemptRole).flatMap(actionsOf);
    for (const action of ['bedrock:InvokeModel', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue']) {
      assert.ok(actions.includes(action), action);
    }
    assert.ok(!actions.some((action) => action.startsWith('states:')));
  });
});
