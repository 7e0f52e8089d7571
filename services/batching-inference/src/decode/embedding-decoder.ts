import { ModelShapeMismatchError } from '../model-errors.js';
import { assertFinite, requireOutput } from './candidates.js';
import type { ItemOutputs } from '../tensors/tensors.js';

/** An appearance embedding per image: the output row, L2-normalised so cosine similarity is a dot product. */
export class EmbeddingDecoder {
  constructor(
    private readonly model: string,
    private readonly output: string,
    readonly dimensions: number,
    private readonly normalize: boolean,
  ) {}

  checkShape(dims: readonly (number | string | undefined)[]): void {
    const size = dims.reduce<number | undefined>(
      (a, d) => (a === undefined || typeof d !== 'number' ? undefined : a * d),
      1,
    );
    if (size !== undefined && size !== this.dimensions) {
      throw new ModelShapeMismatchError(
        `output ${this.output} has ${size} values per image but the config says ${this.dimensions} dimensions`,
      );
    }
  }

  decode(outputs: ItemOutputs): number[] {
    const { data } = requireOutput(outputs, this.output);
    assertFinite(data, this.model, this.output);
    if (data.length !== this.dimensions)
      throw new ModelShapeMismatchError(`output ${this.output} has ${data.length} values, expected ${this.dimensions}`);
    let norm = 0;
    for (let i = 0; i < data.length; i++) norm += (data[i] as number) * (data[i] as number);
    const scale = this.normalize && norm > 0 ? 1 / Math.sqrt(norm) : 1;
    const out = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) out[i] = (data[i] as number) * scale;
    return out;
  }
}
