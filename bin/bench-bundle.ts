/**
 * Section (c) of `npm run bench`: the router's Lambda bundle as esbuild builds
 * it for deployment, its size, and its module init in fresh processes, with
 * and without source maps.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DEFAULT_POLICY_FILE } from '../lambda/policy/policy-file';
import { ESBUILD_OPTIONS, LAMBDA_ENTRIES } from '../lib/bundling';

interface BundleFigures {
  readonly bytes: number;
  readonly mapBytes: number;
  /** Median module init over fresh processes, as deployed (source maps off), and with `--enable-source-maps`. */
  readonly initMedianMs: number;
  readonly initWithMapsMedianMs: number;
  readonly runs: number;
}

export async function bundle(): Promise<BundleFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const outfile = join(dir, 'index.js');
  await build({ ...ESBUILD_OPTIONS, entryPoints: [LAMBDA_ENTRIES.router], outfile, logLevel: 'warning' });
  copyFileSync(DEFAULT_POLICY_FILE, join(dir, 'policy.json'));
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const runs = 9;
  const median = (nodeOptions: string) => {
    const samples: number[] = [];
    for (let index = 0; index < runs; index += 1) {
      const output = execFileSync(process.execPath, ['-e', probe], {
        env: {
          PATH: process.env['PATH'] ?? '',
          NODE_OPTIONS: nodeOptions,
          LEDGER_TABLE_NAME: 'bench',
          AWS_REGION: 'us-east-1',
          POWERTOOLS_METRICS_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      });
      samples.push(Number(output));
    }
    return samples.sort((x, y) => x - y)[Math.floor(runs / 2)]!;
  };
  // Interleaved, so drift on a shared machine hits both alike.
  const plain: number[] = [];
  const mapped: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    plain.push(median(''));
    mapped.push(median('--enable-source-maps'));
  }
  const middle = (values: number[]) => values.sort((x, y) => x - y)[1]!;
  return { bytes: statSync(outfile).size, mapBytes: statSync(`${outfile}.map`).size, initMedianMs: middle(plain), initWithMapsMedianMs: middle(mapped), runs: runs * 3 };
}
