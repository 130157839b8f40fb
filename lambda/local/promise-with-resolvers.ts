/**
 * aws-local-stepfunctions uses Promise.withResolvers, which Node 22 has and
 * Node 20 (still supported for local tooling) lacks.
 */
interface WithResolvers {
  withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };
}

const promise = Promise as unknown as WithResolvers;
promise.withResolvers ??= <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const created = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  return { promise: created, resolve, reject };
};
