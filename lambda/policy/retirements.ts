/**
 * When models stop answering: each provider's announced retirement (end of
 * life) dates, and the warning a policy gets for naming a model past its date.
 * A call to a retired model fails, so `npm start`, `cdk synth` and `doctor`
 * all say so first. A policy model's own `retiresOn` wins over this table.
 */
export interface Retirement {
  /** The first day the model no longer answers, YYYY-MM-DD. */
  readonly retiresOn: string;
  readonly source: string;
}

import { inferenceProfileOf } from './model-ids';

const BEDROCK_LIFECYCLE = 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html';

/** By Bedrock model id without its inference profile's prefix (the date holds for every profile of it). */
const BEDROCK_RETIREMENTS: Readonly<Record<string, Retirement>> = {
  'anthropic.claude-3-5-haiku-20241022-v1:0': { retiresOn: '2026-06-19', source: BEDROCK_LIFECYCLE },
  'anthropic.claude-3-haiku-20240307-v1:0': { retiresOn: '2026-09-10', source: BEDROCK_LIFECYCLE },
  'amazon.nova-premier-v1:0': { retiresOn: '2026-09-14', source: BEDROCK_LIFECYCLE },
};

/** The retirement a model id (`<provider>/<model>`) is known to have, if any. */
export function knownRetirement(modelId: string): Retirement | undefined {
  const [provider, ...rest] = modelId.split('/');
  return provider === 'bedrock' ? BEDROCK_RETIREMENTS[inferenceProfileOf(rest.join('/')).model] : undefined;
}

/** One warning per model the policy names that is past its retirement on `today` (YYYY-MM-DD), saying what to do. */
export function retiredModelWarnings(models: Iterable<{ readonly id: string; readonly retirement?: Retirement | undefined }>, today: string): string[] {
  return [...models].flatMap(({ id, retirement }) =>
    retirement !== undefined && retirement.retiresOn <= today
      ? [`${id} was retired on ${retirement.retiresOn} (${retirement.source}): calls to it fail; name a current model in the policy instead.`]
      : [],
  );
}
