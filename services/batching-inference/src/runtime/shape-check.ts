import { ModelShapeMismatchError } from '../model-errors.js';
import { formatDims, type OnnxModelInfo } from '../onnx/onnx-model.js';
import type { ModelConfig } from '../repository/model-config.js';

export interface InputCheck {
  /** 'dynamic' when the leading dimension is symbolic or unknown; 1 for models exported with a static batch of 1. */
  batch: 'dynamic' | 1;
}

/**
 * Compares the graph's input and outputs with what the config says, before any session exists,
 * so a wrong size, layout, name or type fails the load with a message naming both sides.
 */
export function checkModelAgainstConfig(info: OnnxModelInfo, config: ModelConfig): InputCheck {
  const { input } = config;
  if (info.inputs.length !== 1) {
    throw new ModelShapeMismatchError(
      `model has ${info.inputs.length} inputs (${info.inputs.map((i) => i.name).join(', ')}); only single-input image models are served`,
    );
  }
  const graphInput = info.inputs[0];
  if (!graphInput || graphInput.name !== input.name) {
    throw new ModelShapeMismatchError(
      `config input.name "${input.name}" is not the model's input (${info.inputs.map((i) => `"${i.name}"`).join(', ')})`,
    );
  }
  if (graphInput.elementType !== input.dtype) {
    throw new ModelShapeMismatchError(
      `input ${input.name} is ${graphInput.elementType}, config expects ${input.dtype}`,
    );
  }
  const expected = input.layout === 'NCHW' ? [3, input.height, input.width] : [input.height, input.width, 3];
  const dims = graphInput.dims;
  const described = `${input.layout} ${input.width}x${input.height}x3 (expects ${formatDims(['N', ...expected])})`;
  if (dims.length !== 4)
    throw new ModelShapeMismatchError(`input ${input.name} has shape ${formatDims(dims)}; config says ${described}`);
  expected.forEach((want, i) => {
    const got = dims[i + 1];
    if (typeof got === 'number' && got !== want) {
      throw new ModelShapeMismatchError(`input ${input.name} has shape ${formatDims(dims)}; config says ${described}`);
    }
  });
  const outputNames = info.outputs.map((o) => o.name);
  if (!outputNames.includes(config.output.name)) {
    throw new ModelShapeMismatchError(
      `config output.name "${config.output.name}" is not among the model's outputs (${outputNames.join(', ')})`,
    );
  }
  const lead = dims[0];
  if (typeof lead === 'number' && lead !== 1) {
    throw new ModelShapeMismatchError(
      `input ${input.name} has a fixed batch of ${lead}; only a static batch of 1 or a symbolic batch is supported`,
    );
  }
  return { batch: lead === 1 ? 1 : 'dynamic' };
}
