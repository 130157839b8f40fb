/** `npm run test:load`: the full-size load run, then a longer soak at the same concurrency. */
import { describeLoadRun } from '../support/load-run';

describeLoadRun({ requests: 1000, concurrency: 32 });
describeLoadRun({ requests: 5000, concurrency: 32 });
