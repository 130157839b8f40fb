import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';
import { CHAIN_ENDING_NAMES, errorNamesFor, PROVIDER_ERROR_NAMES } from '../../lambda/core/base/errors';

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
    expect(machine['StateMachineType']).toBe('EXPRESS');
    expect(machine['TracingConfiguration']).toEqual({ Enabled: true });
    expect(machine['LoggingConfiguration'].Level).toBe('ERROR');
    expect(machine['LoggingConfiguration'].IncludeExecutionData).toBe(false);
    const definition = JSON.parse(machine['DefinitionString']);
    expect(definition.TimeoutSeconds).toBe(29);
    expect(machine['DefinitionSubstitutions']).toEqual({ AttemptFunctionArn: { 'Fn::GetAtt': [attemptId, 'Arn'] } });
  });

  it("deploys the builder's Retry and Catch lists: the error contract's names", () => {
    const attempt = JSON.parse(resources[stateMachineId]!.Properties['DefinitionString']).States.Attempt;
    expect(attempt.Resource).toBe('${AttemptFunctionArn}');
    expect(attempt.Retry[0].ErrorEquals).toEqual(errorNamesFor('retry'));
    expect(attempt.Retry[0].JitterStrategy).toBe('FULL');
    expect(attempt.Catch[0].ErrorEquals).toEqual([PROVIDER_ERROR_NAMES.rejected, ...CHAIN_ENDING_NAMES]);
  });

  it('lets only the router start it, and only synchronously', () => {
    const starters = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties['PolicyDocument']).includes('states:'));
    expect(starters.length).toBe(1);
    const routerRole = resources[routerId]!.Properties['Role']['Fn::GetAtt'][0] as string;
    expect(starters[0]!.Properties['Roles']).toEqual([{ Ref: routerRole }]);
    const statement = (starters[0]!.Properties['PolicyDocument'].Statement as Statement[]).find((entry) => actionsOf(entry).some((action) => action.startsWith('states:')))!;
    expect(actionsOf(statement)).toEqual(['states:StartSyncExecution']);
    expect(statement.Resource).toEqual({ Ref: stateMachineId });
    expect(resources[routerId]!.Properties['Environment'].Variables.FALLBACK_STATE_MACHINE_ARN).toEqual({ Ref: stateMachineId });
  });

  it('lets only the state machine invoke the attempt function', () => {
    const machineRole = resources[stateMachineId]!.Properties['RoleArn']['Fn::GetAtt'][0] as string;
    const invokers = Object.entries(resources).filter(([, resource]) => {
      const document = JSON.stringify(resource.Properties['PolicyDocument'] ?? {});
      return resource.Type === 'AWS::IAM::Policy' && document.includes('lambda:InvokeFunction') && document.includes(attemptId);
    });
    expect(invokers.length).toBe(1);
    expect(JSON.stringify(invokers[0]![1].Properties['Roles'])).toMatch(new RegExp(machineRole));
    const invoke = statementsOfRole(machineRole).find((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))!;
    expect(JSON.stringify(invoke.Resource)).toMatch(new RegExp(attemptId));
    const permissions = Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Permission');
    expect(!permissions.some((permission) => JSON.stringify(permission.Properties['FunctionName']).includes(attemptId))).toBeTruthy();
  });

  it("gives the attempt function the router's provider and ledger access, but no way to start workflows", () => {
    const attemptRole = resources[attemptId]!.Properties['Role']['Fn::GetAtt'][0] as string;
    const actions = statementsOfRole(attemptRole).flatMap(actionsOf);
    for (const action of ['bedrock:InvokeModelWithResponseStream', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue']) {
      expect(actions).toContain(action);
    }
    // InvokeModel only with the stream action, for the models Bedrock's Messages API serves (a Messages request's fallbacks go there too).
    const statements = statementsOfRole(attemptRole).filter((statement) => actionsOf(statement).includes('bedrock:InvokeModel'));
    // The profiles, then the models only through them.
    expect(statements.map(actionsOf)).toEqual([
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
    ]);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toMatch(/nova|claude-[a-z]+-4-5/);
    expect(actions.some((action) => action.startsWith('states:'))).toBe(false);
  });
});
