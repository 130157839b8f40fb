/**
 * `npm run schema`: regenerates lambda/policy/policy.schema.json from the
 * policy's zod schema, and the per-geography default policies from the
 * shipped one (a test checks both are current).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policySchema } from '../lambda/policy/schema';
import { policyJsonSchema } from '../lambda/policy/policy-json-schema';
import { geographicPolicyText, type Geography } from '../lib/geography';

const file = join(__dirname, '..', 'lambda', 'policy', 'policy.schema.json');
writeFileSync(file, `${JSON.stringify(policyJsonSchema(policySchema), null, 2)}\n`);
console.log(`wrote ${file}`);

const shipped = readFileSync(join(__dirname, '..', 'lambda', 'policy', 'default-policy.json'), 'utf8');
for (const geography of ['us', 'eu', 'apac'] satisfies Geography[]) {
  const policyFile = join(__dirname, '..', 'lambda', 'policy', `default-policy.${geography}.json`);
  writeFileSync(policyFile, geographicPolicyText(shipped, geography));
  console.log(`wrote ${policyFile}`);
}
