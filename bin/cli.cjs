#!/usr/bin/env node
// `npx switchyard`: runs the TypeScript CLI (bin/cli.ts) through tsx, as the npm scripts do.
require('tsx/cjs');
require('./cli.ts');
