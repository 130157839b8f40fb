#!/usr/bin/env node
// `npm test`'s pretest: the cost audit's report test renders HTML in Debian's Chromium. Where it is missing and this
// user can install Debian packages (root, apt-get), it installs it; otherwise it says how, and fails.
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canInstall) {
  console.error(`The tests need Chromium at ${path}: install Debian's package (sudo apt-get install chromium), or set CHROMIUM_PATH.`);
  process.exit(1);
}
console.error("Installing Debian's chromium for the cost audit's report test (apt-get install chromium) ...");
const quiet = { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
execFileSync('apt-get', ['update', '-qq'], quiet);
execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], quiet);
