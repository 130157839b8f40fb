/**
 * `--help` for the repository's scripts: a script's own header comment is its
 * usage, so the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';

/** The leading comment of a source file, without its comment marks. */
export function headerOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  const comment = /^(?:#!.*\n)?\s*\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  return comment
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** Prints the script's header and exits when its arguments ask for help (`--help` or `-h`). */
export function answerHelp(file: string, args: readonly string[] = process.argv.slice(2)): void {
  if (!args.includes('--help') && !args.includes('-h')) return;
  console.log(headerOf(file));
  process.exit(0);
}
