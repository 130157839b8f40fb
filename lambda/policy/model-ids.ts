/**
 * Bedrock model ids read apart: a cross-Region inference profile's prefix
 * (`global.`, `us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.`) and the
 * model it serves. Policy checks, IAM grants, `doctor` and the Claude name
 * rule all read ids this one way.
 */
const INFERENCE_PROFILE = /^(global|us|eu|apac|jp|au|ca|us-gov)\.(.+)$/;

export interface BedrockModelId {
  /** The profile's geography, or `undefined` for a model called in its own Region. */
  readonly profile: string | undefined;
  /** The model id without the profile: `anthropic.claude-opus-5-5`. */
  readonly model: string;
}

export function inferenceProfileOf(providerModelId: string): BedrockModelId {
  const match = INFERENCE_PROFILE.exec(providerModelId);
  return match ? { profile: match[1], model: match[2]! } : { profile: undefined, model: providerModelId };
}
