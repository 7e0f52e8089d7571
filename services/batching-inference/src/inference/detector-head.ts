import type { Detection } from '@va/proto/va/common/v1/detection';
import type { Letterbox } from '@va/proto/va/common/v1/frame';
import type { Candidates, DetectorDecoder } from '../decode/candidates.js';
import { InGraphNmsDecoder } from '../decode/in-graph-nms-decoder.js';
import { nms } from '../decode/nms.js';
import { UltralyticsDecoder } from '../decode/ultralytics-decoder.js';
import { YoloxDecoder } from '../decode/yolox-decoder.js';
import type { RgbImage } from '../preprocess/image.js';
import {
  fitImage,
  imageTransform,
  throughPlacement,
  toSourceBox,
  type InputTransform,
  type Placement,
} from '../preprocess/letterbox.js';
import { TensorWriter } from '../preprocess/tensor-writer.js';
import type { ModelConfig } from '../repository/model-config.js';
import type { InferenceJob } from '../tensors/inference-job.js';
import { itemOutputs, type OutputTensor } from '../tensors/tensors.js';
import { pixelSpec } from './pixel-spec.js';

export interface DetectInput {
  image: RgbImage;
  /** The camera's full resolution; boxes come back in these pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Set when the image is already letterboxed to the model input (by ingest). */
  letterbox?: Letterbox;
  /** Overrides the model's score threshold when > 0. */
  scoreThreshold?: number;
}

export interface DetectOutput {
  detections: Detection[];
  /** How the image was placed in the input (for crops of the same image). */
  transform: InputTransform;
}

export interface DetectorGraphMode {
  /** The served graph takes uint8 pixels (normalisation in the graph, or a uint8 model). */
  rawInput: boolean;
  /** The served graph ends in NonMaxSuppression (yolox-postprocess-graph.ts). */
  inGraphNms: boolean;
}

/** Turns images into a detector's input and its outputs into class-aware, NMS-filtered boxes in source pixels. */
export class DetectorHead {
  readonly kind = 'detector';
  readonly writer: TensorWriter;
  private readonly decoder: DetectorDecoder & { checkShape(dims: readonly (number | string | undefined)[]): void };
  private readonly inGraph: InGraphNmsDecoder | undefined;

  constructor(
    readonly model: string,
    readonly config: ModelConfig,
    readonly mode: DetectorGraphMode = { rawInput: config.input.dtype === 'uint8', inGraphNms: false },
  ) {
    this.writer = new TensorWriter(pixelSpec(config, mode.rawInput));
    this.inGraph = mode.inGraphNms ? new InGraphNmsDecoder(model) : undefined;
    const { output, input, classes } = config;
    if (output.decoder === 'yolox') {
      this.decoder = new YoloxDecoder(
        model,
        output.name,
        input.width,
        input.height,
        output.strides,
        classes.length,
        output.boxesDecoded,
      );
    } else if (output.decoder === 'yolov5' || output.decoder === 'yolov8') {
      this.decoder = new UltralyticsDecoder(model, output.name, output.decoder, classes.length);
    } else {
      throw new Error(`decoder ${output.decoder} is not a detector decoder`);
    }
  }

  /** Checks a real run's outputs (warm-up) against the decoder. */
  checkOutputs(outputs: Record<string, OutputTensor>): void {
    if (this.inGraph) {
      this.inGraph.decode(outputs, 0, 0);
      return;
    }
    const out = outputs[this.config.output.name];
    if (out) this.decoder.checkShape(out.dims.slice(1));
  }

  /** Whether an image can go into the input as it is (letterboxed by ingest to exactly the input size). */
  acceptsAsIs(image: RgbImage, letterbox: Letterbox | undefined): boolean {
    return (
      letterbox !== undefined &&
      letterbox.scale > 0 &&
      image.width === this.config.input.width &&
      image.height === this.config.input.height
    );
  }

  /** Where the image goes in the input: as it is, or resized (letterboxed or stretched) per the config. */
  placement(image: RgbImage, letterbox: Letterbox | undefined): Placement {
    const { width, height } = this.config.input;
    if (this.acceptsAsIs(image, letterbox)) return { x: 0, y: 0, width, height };
    return fitImage(image.width, image.height, this.config.input);
  }

  job(input: DetectInput): InferenceJob<DetectOutput> {
    const { image, sourceWidth, sourceHeight, letterbox } = input;
    const placement = this.placement(image, letterbox);
    const transform: InputTransform = throughPlacement(
      imageTransform(image, sourceWidth, sourceHeight, letterbox),
      image,
      placement,
    );
    const threshold =
      input.scoreThreshold && input.scoreThreshold > 0 ? input.scoreThreshold : this.config.thresholds.score;
    return {
      write: (slot) => this.writer.write(slot, image, placement),
      read: (outputs, index) => {
        const candidates = this.inGraph
          ? this.inGraph.decode(outputs, index, threshold)
          : this.decoder.decode(itemOutputs(outputs, index), threshold);
        return { detections: this.select(candidates, transform, sourceWidth, sourceHeight), transform };
      },
      scoreThreshold: threshold,
    };
  }

  /** NMS (again, harmlessly, after in-graph NMS: it also applies the caps), then boxes to source pixels. */
  private select(
    candidates: Candidates,
    transform: InputTransform,
    sourceWidth: number,
    sourceHeight: number,
  ): Detection[] {
    const t = this.config.thresholds;
    const kept = nms(candidates, {
      iouThreshold: t.nmsIou,
      classAgnostic: t.classAgnosticNms,
      preNmsTopK: t.preNmsTopK,
      maxDetections: t.maxDetections,
    });
    const detections: Detection[] = [];
    for (const i of kept) {
      const box = toSourceBox(
        candidates.x1[i] as number,
        candidates.y1[i] as number,
        candidates.x2[i] as number,
        candidates.y2[i] as number,
        transform,
        sourceWidth,
        sourceHeight,
      );
      if (box.x2 - box.x1 < 1 || box.y2 - box.y1 < 1) continue; // entirely in the padding
      const classId = candidates.classId[i] as number;
      detections.push({
        box,
        score: candidates.score[i] as number,
        classId,
        className: this.config.classes[classId] ?? String(classId),
        embedding: [],
      });
    }
    return detections;
  }
}
