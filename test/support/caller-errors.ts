/** The CallerError a parse throws, for tests of what the edge refuses. */
import { CallerError } from '../../lambda/core/base/errors';

export function rejectionOf(parse: () => unknown): CallerError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CallerError);
    return error as CallerError;
  }
  throw new Error('the request was accepted');
}
