import { expectedTensors } from '../model/base-weights';
import type { ModelConfig } from '../model/config';
import type { BackendChoice, ModelSummary } from './run-types';

/** What the run record and the page show of a model: where it came from, its shape and parameter count. */
export function summarizeModel(config: ModelConfig, description: string, hasChatTemplate: boolean, backend: BackendChoice): ModelSummary {
  let parameters = 0;
  for (const shape of expectedTensors(config).values()) parameters += shape.reduce((a, b) => a * b, 1);
  return {
    description,
    architecture: config.architecture,
    parameters,
    layers: config.numLayers,
    hiddenSize: config.hiddenSize,
    vocabSize: config.vocabSize,
    hasChatTemplate,
    backend,
  };
}
