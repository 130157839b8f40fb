/**
 * jest with @swc/jest: the project is CommonJS and `tsc --noEmit` already
 * type-checks, so tests are only transpiled. @middy/core, zod's locales and
 * eventsource-parser are ESM-only and go through the same transform.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/load/'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!(@middy/core|zod/v4/locales|zod/v4/core|eventsource-parser)/)'],
  testTimeout: 30_000,
};
