/**
 * How the Lambda functions are bundled. The CDK constructs and the benchmark
 * share these settings, so the bundle the benchmark measures is the one that
 * deploys.
 */
import { join } from 'node:path';

export const LAMBDA_NODE_TARGET = 'node22';

export const LAMBDA_ENTRIES = {
  router: join(__dirname, '..', 'lambda', 'handlers', 'router.ts'),
  authorizer: join(__dirname, '..', 'lambda', 'handlers', 'authorizer.ts'),
  attempt: join(__dirname, '..', 'lambda', 'handlers', 'attempt.ts'),
  rollup: join(__dirname, '..', 'lambda', 'handlers', 'rollup.ts'),
  shadow: join(__dirname, '..', 'lambda', 'handlers', 'shadow.ts'),
  aggregator: join(__dirname, '..', 'lambda', 'handlers', 'aggregator.ts'),
} as const;

/** esbuild options common to CDK's NodejsFunction and the benchmark's own build. */
export const ESBUILD_OPTIONS = {
  minify: true,
  sourcemap: true,
  target: LAMBDA_NODE_TARGET,
  platform: 'node',
  format: 'cjs',
  bundle: true,
  // The AWS SDK's ES module builds, so esbuild drops the commands and clients the
  // functions never use: the router's bundle shrinks by a quarter (npm run bench,
  // section c; docs/benchmarks.md has the module init before and after).
  mainFields: ['module', 'main'] as string[],
} as const;
