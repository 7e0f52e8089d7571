import { assertCameraId, InvalidArgumentError } from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import type { StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { validateMotionGate, type MotionGateDefaults } from './motion-gate-spec.js';
import type { MotionGateSettings } from './motion-gate.js';
import { parseSourceUrl, type SourcePolicy, type SourceUrl } from './source-url.js';

export interface SpecPolicy extends SourcePolicy {
  defaultPixelFormat: PixelFormat;
  defaultJpegQuality: number;
  defaultDetectEvery: number;
  defaultMotionGate: MotionGateDefaults;
}

/** Beyond this the tracker's prediction would bridge seconds with no detection at all. */
export const MAX_DETECT_EVERY = 30;

/** A StreamSpec that passed validation, with defaults filled in, plus the parsed source. */
export interface ValidStream {
  /** What is persisted and reported: the operator's spec with defaults made explicit. */
  spec: StreamSpec;
  source: SourceUrl;
  /** 0 x 0: the source's own size (known once ffmpeg has probed it). */
  width: number;
  height: number;
  /** 0: every frame of the source. */
  targetFps: number;
  letterbox: boolean;
  pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24 | PixelFormat.PIXEL_FORMAT_BGR24 | PixelFormat.PIXEL_FORMAT_JPEG;
  jpegQuality: number;
  loop: boolean;
  realtime: boolean;
  /** The detector runs on every Nth published frame (1: every frame). */
  detectEvery: number;
  /** Undefined: every frame the schedule picks is detected, motion or not. */
  motionGate: MotionGateSettings | undefined;
}

const MAX_LABELS = 16;

/** Validates an operator's StreamSpec; throws InvalidArgumentError naming the field. */
export async function validateStreamSpec(spec: StreamSpec | undefined, policy: SpecPolicy): Promise<ValidStream> {
  if (spec === undefined) throw new InvalidArgumentError('spec is required', 'spec');
  assertCameraId(spec.cameraId, 'spec.camera_id');
  const source = await parseSourceUrl(spec.url, policy);

  const { width, height } = spec;
  if ((width === 0) !== (height === 0))
    throw new InvalidArgumentError('give both width and height, or neither to keep the source size', 'spec.width');
  if (width !== 0 && (width < 16 || width > policy.maxWidth))
    throw new InvalidArgumentError(`width must be 16..${policy.maxWidth}`, 'spec.width');
  if (height !== 0 && (height < 16 || height > policy.maxHeight))
    throw new InvalidArgumentError(`height must be 16..${policy.maxHeight}`, 'spec.height');
  if (spec.letterbox && width === 0)
    throw new InvalidArgumentError('letterbox needs width and height (the model input size)', 'spec.letterbox');

  const targetFps = spec.targetFps;
  if (!Number.isFinite(targetFps) || targetFps < 0 || targetFps > policy.maxFps) {
    throw new InvalidArgumentError(`target_fps must be 0 (source rate) or up to ${policy.maxFps}`, 'spec.target_fps');
  }
  if (targetFps !== 0 && targetFps < 0.01)
    throw new InvalidArgumentError('target_fps must be at least 0.01', 'spec.target_fps');

  const pixelFormat =
    spec.pixelFormat === PixelFormat.PIXEL_FORMAT_UNSPECIFIED ? policy.defaultPixelFormat : spec.pixelFormat;
  if (
    pixelFormat !== PixelFormat.PIXEL_FORMAT_RGB24 &&
    pixelFormat !== PixelFormat.PIXEL_FORMAT_BGR24 &&
    pixelFormat !== PixelFormat.PIXEL_FORMAT_JPEG
  ) {
    throw new InvalidArgumentError('pixel_format must be RGB24, BGR24 or JPEG', 'spec.pixel_format');
  }
  const jpegQuality = spec.jpegQuality === 0 ? policy.defaultJpegQuality : spec.jpegQuality;
  if (jpegQuality < 1 || jpegQuality > 100)
    throw new InvalidArgumentError('jpeg_quality must be 1..100', 'spec.jpeg_quality');

  const detectEvery = spec.detectEvery === 0 ? policy.defaultDetectEvery : spec.detectEvery;
  if (detectEvery < 1 || detectEvery > MAX_DETECT_EVERY)
    throw new InvalidArgumentError(
      `detect_every must be 0 (service default) or 1..${MAX_DETECT_EVERY}`,
      'spec.detect_every',
    );

  const motionGate = validateMotionGate(spec.motionGate, policy.defaultMotionGate);

  if ((spec.loop || spec.realtime) && source.kind !== 'file') {
    throw new InvalidArgumentError(
      'loop and realtime apply to file sources only (live sources run at their own pace)',
      spec.loop ? 'spec.loop' : 'spec.realtime',
    );
  }
  const labels = Object.entries(spec.labels);
  if (labels.length > MAX_LABELS) throw new InvalidArgumentError(`at most ${MAX_LABELS} labels`, 'spec.labels');
  for (const [k, v] of labels) {
    if (!/^[A-Za-z0-9_.-]{1,63}$/.test(k))
      throw new InvalidArgumentError(`label key "${k.slice(0, 70)}" must match [A-Za-z0-9_.-]{1,63}`, 'spec.labels');
    if (v.length > 256) throw new InvalidArgumentError(`label ${k} is longer than 256 characters`, 'spec.labels');
  }

  return {
    spec: {
      ...spec,
      pixelFormat,
      jpegQuality: pixelFormat === PixelFormat.PIXEL_FORMAT_JPEG ? jpegQuality : 0,
      labels: { ...spec.labels },
      detectEvery,
      motionGate: motionGate.spec,
    },
    source,
    width,
    height,
    targetFps,
    letterbox: spec.letterbox,
    pixelFormat,
    jpegQuality,
    loop: spec.loop,
    realtime: spec.realtime,
    detectEvery,
    motionGate: motionGate.settings,
  };
}
