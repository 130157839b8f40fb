/**
 * Bedrock by geography. On-demand Nova is called by its plain id only in
 * us-east-1; elsewhere it needs a cross-Region inference profile, and a
 * profile can be called only from a Region of its own geography (`us.` from
 * us-*, `eu.` from eu-*, `apac.` from ap-*). `global.` profiles may send a
 * prompt to any commercial Region, so outside the US the default policy uses
 * the geographic profiles, which keep prompts inside the geography.
 */
import { join } from 'node:path';

export type Geography = 'us' | 'eu' | 'apac';

/** The geography whose inference profiles a Region may call, if it has one. */
export function geographyOf(region: string): Geography | undefined {
  if (region.startsWith('us-') && !region.startsWith('us-gov-')) return 'us';
  if (region.startsWith('eu-')) return 'eu';
  if (region.startsWith('ap-')) return 'apac';
  return undefined;
}

/** Where a Region's default policy lives: us-east-1 (and any Region without a geography) keeps the shipped default. */
export function defaultPolicyFileFor(region: string | undefined, policyDirectory: string): string {
  const geography = region === undefined || region === 'us-east-1' ? undefined : geographyOf(region);
  return join(policyDirectory, geography === undefined ? 'default-policy.json' : `default-policy.${geography}.json`);
}

/**
 * The default policy for a geography, from the shipped (us-east-1) one: plain
 * Nova ids become the geography's profiles; `global.` Claude becomes `eu.` in
 * the EU. In the US, `global.` stays (10% cheaper, and US data may leave the
 * US only as AWS's global profiles allow: see the README); in APAC too, as
 * Claude 4.5's APAC profiles are per country (`jp.`, `au.`): set them in your
 * own policy to keep prompts in one.
 */
export function geographicPolicyText(shipped: string, geography: Geography): string {
  let text = shipped.replaceAll('"bedrock/amazon.nova-', `"bedrock/${geography}.amazon.nova-`);
  if (geography === 'eu') text = text.replaceAll('"bedrock/global.anthropic.', '"bedrock/eu.anthropic.').replaceAll('"bedrock/global.amazon.', '"bedrock/eu.amazon.');
  return text;
}

const PROFILE = /^(us|eu|apac|global|jp|au)\./;
const IN_REGION_ONLY_IN_US_EAST_1 = /^amazon\.nova-/;

/**
 * Why a Bedrock model id (without `bedrock/`) cannot be called from `region`,
 * or `undefined` when nothing known stands against it. Model access and
 * quotas are for `npx switchyard doctor`, which asks the account.
 */
export function whyNotOffered(providerModelId: string, region: string): string | undefined {
  const profile = PROFILE.exec(providerModelId)?.[1];
  const geography = geographyOf(region);
  if (profile === undefined) {
    return IN_REGION_ONLY_IN_US_EAST_1.test(providerModelId) && region !== 'us-east-1'
      ? `on-demand ${providerModelId} is offered in us-east-1 only; elsewhere call it through an inference profile (${geography ?? 'us'}.${providerModelId})`
      : undefined;
  }
  if (profile === 'global') return undefined;
  const allowed = profile === 'us' ? 'us' : profile === 'eu' ? 'eu' : 'apac';
  if (geography !== allowed) return `the ${profile}. inference profile can be called only from ${allowed === 'us' ? 'US' : allowed === 'eu' ? 'EU' : 'Asia Pacific'} Regions, not ${region}`;
  return undefined;
}
