/**
 * Fault injection for the local gateway from the environment: a JSON object
 * of model id to simulation settings, merged into the policy before it is
 * validated, so a bad entry is reported like any policy error.
 *
 *   SWITCHYARD_MOCK_FAULTS='{"bedrock/amazon.nova-micro-v1:0": {"failureRate": 0.5, "failures": ["throttled"]}}'
 */
import { ConfigError } from '../core/base/errors';
import type { PolicyDocument } from '../policy/schema';

export function withSimulatedFaults(document: PolicyDocument, faultsJson: string | undefined): PolicyDocument {
  if (faultsJson === undefined || faultsJson.trim() === '') return document;
  let faults: unknown;
  try {
    faults = JSON.parse(faultsJson);
  } catch (error) {
    throw new ConfigError(`SWITCHYARD_MOCK_FAULTS is not JSON: ${(error as Error).message}`);
  }
  if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) {
    throw new ConfigError('SWITCHYARD_MOCK_FAULTS must be a JSON object of model id to {"failureRate", "failures", "latencyMs"}');
  }
  const models = { ...document.models };
  for (const [id, simulation] of Object.entries(faults)) {
    const model = models[id];
    if (!model) throw new ConfigError(`SWITCHYARD_MOCK_FAULTS names "${id}", which is not a model of the policy`);
    models[id] = { ...model, simulation: simulation as NonNullable<typeof model.simulation> };
  }
  return { ...document, models };
}
