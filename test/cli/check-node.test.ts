/** `npm start` and `npm test` refuse an old Node at once, saying which is needed, instead of failing later. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tooOld } = require('../../bin/check-node.cjs') as { tooOld: (version: string) => string | undefined };

describe('the Node version check before npm start and npm test', () => {
  it("refuses a Node older than package.json's engines, naming both versions", () => {
    expect(tooOld('20.20.2')).toBe('Switchyard needs Node 22.12 or newer (Lambda runs 24); this is Node 20.20.2. Install Node 22 or 24 (nvm install 24), then run this again.');
    expect(tooOld('22.11.0')).toMatch(/needs Node 22\.12 or newer/);
  });

  it('passes Node 22.12 and later, and the Node running the tests', () => {
    for (const version of ['22.12.0', '22.20.1', '24.1.0', process.versions.node]) expect(tooOld(version)).toBeUndefined();
    expect(() => execFileSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'check-node.cjs')])).not.toThrow();
  });

  it('runs first in npm start and npm test', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { scripts } = require('../../package.json') as { scripts: Record<string, string> };
    expect(scripts['prestart']).toBe('node bin/check-node.cjs');
    expect(scripts['pretest']).toMatch(/^node bin\/check-node\.cjs && /);
  });
});
