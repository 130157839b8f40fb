/** `POST /embeddings`: one model, one attempt, priced and recorded; no tier, no fallback. */
import { CallerError } from '../../base/errors';
import { embedTexts } from '../../execution/embed';
import { keyAllowsModel } from '../../features/managed-keys';
import { checkDimensions, embeddingModelFor } from '../../routing/embedding-model';
import { toEmbeddingsResponse } from '../../surfaces/embeddings/encode-response';
import { parseEmbeddingsRequest } from '../../surfaces/embeddings/parse-request';
import { EMBEDDINGS } from '../../surfaces/embeddings/surface';
import { attemptContext } from '../request-context';
import { AnsweredFailure, summarise } from '../respond';
import { answeredBy, describeRecords, droppedParams, withBaseHeaders } from '../response-headers';
import type { EndpointHandler, GatewayDependencies } from '../types';

export function embeddingsEndpoint(dependencies: GatewayDependencies): EndpointHandler {
  const { policy } = dependencies;
  return async (request) => {
    const parsed = parseEmbeddingsRequest(request.body, policy.limits);
    const model = embeddingModelFor(parsed.model, policy);
    checkDimensions(parsed.dimensions, model);
    if (!keyAllowsModel(request.keyLimits, model.id)) {
      throw new CallerError('model_not_allowed', `This API key may not use ${model.id}. It may use: ${request.keyLimits!.models!.join(', ')}.`, 'model');
    }
    const result = await embedTexts(parsed, model, attemptContext(request, null), dependencies);
    const decided = { 'x-switchyard-tier': 'passthrough', 'x-switchyard-tier-reasons': `embedding model ${model.id}` };
    if (!result.ok) throw new AnsweredFailure(result.error, { ...decided, ...describeRecords(result.records) }, result.records);
    const headers = { ...decided, ...describeRecords([result.record]), ...answeredBy(model, result.embeddings.simulated), ...droppedParams(parsed.dropped) };
    return {
      status: 200,
      headers: withBaseHeaders(request, headers),
      body: JSON.stringify(toEmbeddingsResponse(model.id, parsed, result.embeddings)),
      summary: summarise(EMBEDDINGS.name, 200, 'passthrough', [result.record], model.id),
    };
  };
}
