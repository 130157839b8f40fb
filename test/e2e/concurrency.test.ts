/** Many requests at once through one local gateway: nothing lost, nothing counted twice. */
import { describeLoadRun } from '../support/load-run';

describeLoadRun({ requests: 200, concurrency: 16 });
