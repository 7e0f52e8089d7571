import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { MalformedMessageError } from '../errors.js';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { Flag, ReviewDecision } from '@va/proto/va/common/v1/flag';
import { Frame } from '@va/proto/va/common/v1/frame';
import { TrackEvent, TrackUpdate } from '@va/proto/va/common/v1/track';
import { isCameraId } from './subjects.js';

interface MessageFns<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

export interface Codec<T> {
  readonly typeName: string;
  encode(value: T): Uint8Array;
  /** Throws MalformedMessageError for bytes that are not a valid T. */
  decode(bytes: Uint8Array, subject?: string): T;
}

/**
 * Protobuf on the bus. Decoding returns views into the received buffer for bytes fields
 * (frame pixels are not copied). `validate` rejects payloads that parse but make no sense
 * (random bytes often parse as protobuf).
 */
export function protoCodec<T>(
  typeName: string,
  fns: MessageFns<T>,
  validate?: (value: T) => string | undefined,
): Codec<T> {
  return {
    typeName,
    encode: (value) => fns.encode(value).finish(),
    decode: (bytes, subject) => {
      let value: T;
      try {
        value = fns.decode(bytes);
      } catch (err) {
        throw new MalformedMessageError(typeName, subject, { cause: err });
      }
      const problem = validate?.(value);
      if (problem !== undefined) throw new MalformedMessageError(typeName, subject, { cause: new Error(problem) });
      return value;
    },
  };
}

function cameraProblem(cameraId: string): string | undefined {
  return isCameraId(cameraId) ? undefined : `camera_id "${cameraId.slice(0, 80)}" is not a camera id`;
}

export const codecs = {
  frame: protoCodec('va.common.v1.Frame', Frame, (f) => {
    return cameraProblem(f.cameraId) ?? (f.width === 0 || f.height === 0 ? 'frame has no size' : undefined);
  }),
  detectionBatch: protoCodec('va.common.v1.DetectionBatch', DetectionBatch, (b) => cameraProblem(b.cameraId)),
  trackUpdate: protoCodec('va.common.v1.TrackUpdate', TrackUpdate, (u) => cameraProblem(u.cameraId)),
  trackEvent: protoCodec(
    'va.common.v1.TrackEvent',
    TrackEvent,
    (e) => cameraProblem(e.cameraId) ?? (e.eventId ? undefined : 'event has no id'),
  ),
  flag: protoCodec(
    'va.common.v1.Flag',
    Flag,
    (f) => cameraProblem(f.cameraId) ?? (f.flagId ? undefined : 'flag has no id'),
  ),
  reviewDecision: protoCodec('va.common.v1.ReviewDecision', ReviewDecision, (r) =>
    r.flagId ? undefined : 'review has no flag id',
  ),
};
