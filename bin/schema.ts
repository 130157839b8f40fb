/** `npm run schema`: regenerates lambda/policy/policy.schema.json from the policy's zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { policySchema } from '../lambda/core/policy';
import { policyJsonSchema } from '../lib/policy-json-schema';

const file = join(__dirname, '..', 'lambda', 'policy', 'policy.schema.json');
writeFileSync(file, `${JSON.stringify(policyJsonSchema(policySchema), null, 2)}\n`);
console.log(`wrote ${file}`);
