/**
 * A Step Functions workflow's log group. Its name is under
 * `/aws/vendedlogs/states/`, which keeps CloudWatch Logs' resource policy
 * (it has a size limit) from growing with each workflow, and ends with a
 * piece of the stack's own id. The group is kept when the stack is deleted
 * (its logs outlive it), so a fixed name would make the next deploy of the
 * same stack fail: the new stack's id gives it a new name.
 */
import { Fn, Names, Stack } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export function workflowLogGroup(scope: Construct, retention: RetentionDays = RetentionDays.ONE_MONTH): LogGroup {
  // arn:aws:cloudformation:region:account:stack/name/8d1c0e30-...: the first block of the stack's GUID.
  const stackGuid = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Stack.of(scope).stackId))));
  return new LogGroup(scope, 'Logs', { logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 180 })}-${stackGuid}`, retention });
}
