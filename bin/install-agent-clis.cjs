#!/usr/bin/env node
// The real coding-agent CLIs for the end-to-end tests, kept out of `npm ci` (they are ~800 MB with their
// native binaries): installed on demand into .agent-clis/ at the versions test/support/agent-clis.json pins.
//   node bin/install-agent-clis.cjs           install what is missing or at another version (npm test's pretest, .ci/run)
//   node bin/install-agent-clis.cjs --check   compare the pins with the npm registry's latest; exit 1 when one is newer
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const PREFIX = join(ROOT, '.agent-clis');
const pins = JSON.parse(readFileSync(join(ROOT, 'test', 'support', 'agent-clis.json'), 'utf8'));
const packages = Object.entries(pins).filter(([name]) => !name.startsWith('$'));

function installedVersion(name) {
  const file = join(PREFIX, 'node_modules', name, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : undefined;
}

if (process.argv.includes('--check')) {
  let stale = false;
  for (const [name, pinned] of packages) {
    const latest = execFileSync('npm', ['view', name, 'version'], { encoding: 'utf8' }).trim();
    const newer = latest !== pinned;
    stale ||= newer;
    console.log(`${name}: pinned ${pinned}, latest ${latest}${newer ? '  <- a newer release: try it, then update test/support/agent-clis.json' : ''}`);
  }
  process.exit(stale ? 1 : 0);
}

const missing = packages.filter(([name, pinned]) => installedVersion(name) !== pinned);
if (missing.length === 0) process.exit(0);
mkdirSync(PREFIX, { recursive: true });
if (!existsSync(join(PREFIX, 'package.json'))) writeFileSync(join(PREFIX, 'package.json'), '{ "private": true }\n');
const specs = missing.map(([name, pinned]) => `${name}@${pinned}`);
console.error(`Installing the agent CLIs the end-to-end tests run: ${specs.join(', ')} (into .agent-clis/) ...`);
execFileSync('npm', ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--loglevel=error', ...specs], { stdio: ['ignore', 'ignore', 'inherit'] });
for (const [name, pinned] of missing) {
  if (installedVersion(name) !== pinned) {
    console.error(`${name}@${pinned} did not install into .agent-clis/.`);
    process.exit(1);
  }
}
