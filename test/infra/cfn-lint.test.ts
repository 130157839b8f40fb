/**
 * AWS's CloudFormation linter, cfn-lint (installed in the machine's Python;
 * `pip install cfn-lint==1.51.0` where it is not), over the synthesized
 * template of every documented deploy mode: no error, and each warning rule
 * acknowledged here with its reason.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Template } from 'aws-cdk-lib/assertions';
import { createSwitchyardApp } from '../../lib/app';
import { DOCUMENTED_MODES as MODES } from '../support/cdk';

/** Warnings cfn-lint raises that stand, each with why. */
const ACKNOWLEDGED: Readonly<Record<string, string>> = {
  W3005:
    "CDK adds DependsOn from each function to its role's default policy and role, which a GetAtt already implies: redundant, harmless, and from aws-cdk-lib, not this stack",
};

interface Finding {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Rule: { readonly Id: string };
  readonly Filename: string;
  readonly Message: string;
}

describe('cfn-lint over every documented deploy mode', () => {
  let findings: Finding[];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-cfn-'));
    const files = Object.entries(MODES).map(([mode, context]) => {
      const { stack } = createSwitchyardApp({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
      const file = join(dir, `${mode}.json`);
      writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
      return file;
    });
    // cfn-lint exits non-zero whenever it finds anything; its JSON says what.
    const { stdout } = await promisify(execFile)('cfn-lint', ['--format', 'json', '--regions', 'us-east-1', 'eu-west-1', 'ap-southeast-1', '--', ...files], { maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string; code?: unknown }) => {
        if (typeof error.stdout !== 'string' || error.stdout === '') throw new Error(`cfn-lint did not run (${String(error.code)}): install it with pip install cfn-lint==1.51.0`);
        return { stdout: error.stdout };
      },
    );
    findings = JSON.parse(stdout) as Finding[];
  }, 180_000);

  it('finds no error in any template', () => {
    expect(findings.filter((finding) => finding.Level === 'Error').map((finding) => `${finding.Filename}: ${finding.Rule.Id} ${finding.Message}`)).toEqual([]);
  });

  it('reads the templates: a broken one gets an error, so the checks here are not vacuous', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'switchyard-cfn-')), 'broken.json');
    writeFileSync(broken, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } } } }));
    const failed = (await promisify(execFile)('cfn-lint', ['--format', 'json', '--', broken]).catch((error: { stdout: string }) => error)) as { stdout: string };
    expect((JSON.parse(failed.stdout) as Finding[]).some((finding) => finding.Level === 'Error')).toBe(true);
  });

  it('raises only acknowledged warnings', () => {
    const unacknowledged = findings.filter((finding) => finding.Level === 'Warning' && !(finding.Rule.Id in ACKNOWLEDGED));
    expect(unacknowledged.map((finding) => `${finding.Rule.Id} ${finding.Message}`)).toEqual([]);
  });
});
