/**
 * The shadow queue in AWS: an asynchronous execution of the shadow workflow
 * (Express), started once the caller has its answer. Step Functions takes
 * at most 256 KiB of input, and the job carries the prompt and the primary
 * answer: a larger job is not sent, and the log says so with its size only.
 * The router reuses its Step Functions client, so the queue adds no SDK to
 * its bundle.
 */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ShadowDispatcher } from '../core/features/shadow';
import type { Log } from '../core/base/telemetry';

/** Step Functions' input limit, in UTF-8 bytes. */
export const MAX_SHADOW_JOB_BYTES = 256 * 1024;

export function createStepFunctionsShadowDispatcher(options: { client: SFNClient; stateMachineArn: string; log: Log }): ShadowDispatcher {
  return {
    async send(job) {
      const input = JSON.stringify(job);
      const bytes = Buffer.byteLength(input, 'utf8');
      if (bytes > MAX_SHADOW_JOB_BYTES) {
        options.log.info('shadow skipped: the job is over the 256 KiB workflow input limit', { requestId: job.requestId, name: job.name, bytes });
        return;
      }
      await options.client.send(new StartExecutionCommand({ stateMachineArn: options.stateMachineArn, input }));
    },
  };
}
