import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';
import { SHADOW_DEADLINE_MS } from '../../lambda/core/features/shadow';

const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
const routerId = logicalIdOf(stack.router.function);
const workerId = logicalIdOf(stack.shadow.worker.function);
const machineId = logicalIdOf(stack.shadow.stateMachine);
const queueId = logicalIdOf(stack.shadow.deadLetters);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
const roleOf = (functionId: string) => resources[functionId]!.Properties['Role']['Fn::GetAtt'][0] as string;
const statementsOfRole = (roleId: string): Statement[] =>
  Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties['Roles']).includes(roleId))
    .flatMap((policy) => policy.Properties['PolicyDocument'].Statement as Statement[]);
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('ShadowWorker', () => {
  it('is an Express workflow the router starts asynchronously, logging no execution data', () => {
    const machine = resources[machineId]!.Properties;
    expect(machine['StateMachineType']).toBe('EXPRESS');
    expect(machine['TracingConfiguration']).toEqual({ Enabled: true });
    expect(machine['LoggingConfiguration'].IncludeExecutionData).toBe(false);
    const routerStatements = statementsOfRole(roleOf(routerId)).filter((statement) => actionsOf(statement).includes('states:StartExecution'));
    expect(routerStatements.map((statement) => [actionsOf(statement), statement.Resource])).toEqual([[['states:StartExecution'], { Ref: machineId }]]);
    expect(resources[routerId]!.Properties['Environment'].Variables.SHADOW_STATE_MACHINE_ARN).toEqual({ Ref: machineId });
  });

  it('retries the worker twice with backoff, then sends the job\'s id and error, not its prompt, to an encrypted dead-letter queue', () => {
    const definition = JSON.stringify(resources[machineId]!.Properties['DefinitionString']);
    expect(definition).toContain('\\"Retry\\":[{\\"ErrorEquals\\":[\\"States.ALL\\"],\\"IntervalSeconds\\":5,\\"MaxAttempts\\":2,\\"BackoffRate\\":3}]');
    expect(definition).toContain('\\"Catch\\":[{\\"ErrorEquals\\":[\\"States.ALL\\"],\\"Next\\":\\"DeadLetter\\"}]');
    expect(definition).toMatch(/MessageBody\\":\{\\"requestId\.\$\\":\\"\$\$\.Execution\.Input\.requestId\\",\\"name\.\$\\":\\"\$\$\.Execution\.Input\.name\\",\\"candidate\.\$\\":\\"\$\$\.Execution\.Input\.candidate\\",\\"error\.\$\\":\\"\$\.Error\\"\}/);
    expect(definition).not.toContain('Execution.Input.request\\"');
    const queue = resources[queueId]!.Properties;
    expect(queue['SqsManagedSseEnabled']).toBe(true);
    expect(queue['MessageRetentionPeriod']).toBe(14 * 86_400);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [{ Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Effect: 'Deny', Principal: { AWS: '*' }, Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }] },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Switchyard: shadow jobs failed and reached the dead-letter queue',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('grants least privilege: the workflow may invoke only the worker and write only to its queue; the worker calls models and the ledger, not queues or workflows', () => {
    const machineRole = resources[machineId]!.Properties['RoleArn']['Fn::GetAtt'][0] as string;
    const machineActions = statementsOfRole(machineRole).flatMap(actionsOf).sort();
    expect(machineActions.filter((action) => !action.startsWith('xray:') && !action.startsWith('logs:'))).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const workerActions = new Set(statementsOfRole(roleOf(workerId)).flatMap(actionsOf));
    expect(workerActions.has('bedrock:InvokeModelWithResponseStream')).toBe(true);
    expect(workerActions.has('dynamodb:PutItem')).toBe(true);
    expect([...workerActions].filter((action) => action.startsWith('sqs:') || action.startsWith('states:') || action === 'bedrock:InvokeModel')).toEqual([]);
    // The candidate and the judge share a deadline; the function outlives it by the time to store the comparison.
    expect(resources[workerId]!.Properties['Timeout']).toBe(Math.ceil((SHADOW_DEADLINE_MS + 10_000) / 1000));
  });
});

describe('ShadowWorker timing', () => {
  it('fits three runs of the worker and their backoff in the workflow\'s timeout, so a failing job always reaches the dead-letter queue', () => {
    const worker = resources[workerId]!.Properties['Timeout'] as number;
    const definition = JSON.parse(resources[machineId]!.Properties['DefinitionString']['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'X')).join('')) as { TimeoutSeconds: number };
    expect(3 * worker + 5 + 15).toBeLessThan(definition.TimeoutSeconds);
  });
});
