#!/usr/bin/env node
// `npm start`'s and `npm test`'s first step: Switchyard needs the Node version package.json's "engines" names, and npm
// does not stop on "engines" by itself. On an older Node, say so at once instead of failing later with
// "Promise.withResolvers is not a function".
const { engines } = require('../package.json');

const NEEDED = engines.node.replace(/^>=/, '');

/** The message for a Node too old to run Switchyard, or undefined when `version` will do. */
function tooOld(version) {
  const [major, minor] = version.split('.').map(Number);
  const [needMajor, needMinor] = NEEDED.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `Switchyard needs Node ${NEEDED} or newer (Lambda runs 24); this is Node ${version}. Install Node 22 or 24 (nvm install 24), then run this again.`;
}

module.exports = { tooOld };

if (require.main === module) {
  const message = tooOld(process.versions.node);
  if (message !== undefined) {
    console.error(message);
    process.exit(1);
  }
}
