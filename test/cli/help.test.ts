/** Every script a user runs answers `--help` with its usage and exit 0, instead of "Unknown option" or starting up. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { headerOf } from '../../lib/cli/help';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const tsx = (...args: string[]) => run(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...args], { cwd: ROOT, timeout: 60_000 });

describe('--help', () => {
  it.each(['local', 'report', 'rollup', 'rebuild-aggregates', 'simulate-hot-items', 'eval-routing', 'train-classifier'])('bin/%s.ts prints its header as its usage', async (script) => {
    const file = join(ROOT, 'bin', `${script}.ts`);
    const { stdout } = await tsx(file, '--help');
    expect(stdout.trim()).toBe(headerOf(file));
    expect(stdout).toMatch(/^`(npm|npx)/);
  });

  it.each(['doctor', 'smoke', 'keys', 'audit'])('npx switchyard %s --help prints its usage', async (command) => {
    const { stdout } = await tsx(join(ROOT, 'bin', 'cli.ts'), command, '--help');
    expect(stdout).toMatch(new RegExp(`switchyard ${command}`));
    expect(stdout).not.toMatch(/Unknown option/);
  });
});
