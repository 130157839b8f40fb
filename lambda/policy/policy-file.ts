/**
 * Reading a routing policy from disk: the one loader that the CDK app, the
 * Lambda handlers, local mode and the tools all use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/base/errors';
import type { Policy } from './policy';
import { loadPolicy } from './load-policy';

/** The policy `npm start` and `cdk deploy` use unless told otherwise. */
export const DEFAULT_POLICY_FILE = join(__dirname, 'default-policy.json');

/** The policy file's JSON, not yet validated. @throws ConfigError naming the file */
export function readPolicyDocument(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read the routing policy ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads and validates a policy file. @throws ConfigError naming the file and every bad field */
export function readPolicyFile(path: string): Policy {
  return loadPolicy(readPolicyDocument(path), path);
}
