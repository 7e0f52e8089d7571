import { InvalidArgumentError } from '@va/common';
import { EmbeddingDecoder } from '../decode/embedding-decoder.js';
import type { RgbImage } from '../preprocess/image.js';
import { fitImage } from '../preprocess/letterbox.js';
import { TensorWriter, type SourceRect } from '../preprocess/tensor-writer.js';
import type { ModelConfig } from '../repository/model-config.js';
import type { InferenceJob } from '../tensors/inference-job.js';
import { itemOutputs, type OutputTensor } from '../tensors/tensors.js';
import { pixelSpec } from './pixel-spec.js';

/** Turns an image (or a crop of one) into an embedder's input and its output row into an L2-normalised vector. */
export class EmbedderHead {
  readonly kind = 'embedder';
  readonly writer: TensorWriter;
  private readonly decoder: EmbeddingDecoder;

  constructor(
    readonly model: string,
    readonly config: ModelConfig,
    /** The served graph takes uint8 pixels (normalisation in the graph). */
    rawInput = config.input.dtype === 'uint8',
  ) {
    if (config.output.decoder !== 'embedding')
      throw new Error(`decoder ${config.output.decoder} is not an embedding decoder`);
    this.writer = new TensorWriter(pixelSpec(config, rawInput));
    this.decoder = new EmbeddingDecoder(model, config.output.name, config.output.dimensions, config.output.normalize);
  }

  get dimensions(): number {
    return this.decoder.dimensions;
  }

  checkOutputs(outputs: Record<string, OutputTensor>): void {
    const out = outputs[this.config.output.name];
    if (out) this.decoder.checkShape(out.dims.slice(1));
  }

  /** A job for the whole image, or for `crop` of it (clipped to the image). */
  job(image: RgbImage, crop?: SourceRect): InferenceJob<number[]> {
    const rect = clip(crop ?? { x: 0, y: 0, width: image.width, height: image.height }, image);
    const placement = fitImage(rect.width, rect.height, this.config.input);
    return {
      write: (slot) => this.writer.write(slot, image, placement, rect),
      read: (outputs, index) => this.decoder.decode(itemOutputs(outputs, index)),
    };
  }
}

function clip(rect: SourceRect, image: RgbImage): SourceRect {
  const x1 = Math.max(0, rect.x);
  const y1 = Math.max(0, rect.y);
  const x2 = Math.min(image.width, rect.x + rect.width);
  const y2 = Math.min(image.height, rect.y + rect.height);
  if (x2 - x1 < 1 || y2 - y1 < 1)
    throw new InvalidArgumentError(
      `crop ${JSON.stringify(rect)} lies outside the ${image.width}x${image.height} image`,
    );
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}
