import type { Frame } from '@va/proto/va/common/v1/frame';

/**
 * Most sequences announced with one DetectionBatch (the newest; about 3 bytes each); tracking's gap
 * timeout covers the rest. At 10x on a starved machine a camera shed 55 frames between two batches
 * on average, so 64 left a gap timeout behind one batch in four.
 */
export const MAX_ANNOUNCED = 1024;

interface CameraShed {
  epoch: string;
  sequences: number[];
}

/**
 * The sequences of each camera that will never reach the tracker: those ingest shed before a
 * frame this worker received (between Frame.previous_sequence and the frame), and those this
 * worker shed itself. Each DetectionBatch this worker publishes for the camera announces them
 * (DetectionBatch.shed_sequences), so tracking's reorder window releases the frames behind a gap
 * at once instead of waiting for frames that were shed. Bounded: the newest MAX_ANNOUNCED per
 * camera, and a new stream epoch forgets the old one's.
 */
export class ShedLedger {
  private readonly cameras = new Map<string, CameraShed>();

  /** A frame arrived: ingest published nothing between its previous_sequence and it. */
  received(frame: Frame): void {
    if (frame.previousSequence === undefined || frame.sequence <= frame.previousSequence + 1) return;
    const from = Math.max(frame.previousSequence + 1, frame.sequence - MAX_ANNOUNCED);
    const sequences: number[] = [];
    for (let s = from; s < frame.sequence; s++) sequences.push(s);
    this.add(frame.cameraId, frame.streamEpoch, sequences);
  }

  /** This worker dropped the frame: no DetectionBatch will carry its sequence. */
  shed(frame: Pick<Frame, 'cameraId' | 'streamEpoch' | 'sequence'>): void {
    this.add(frame.cameraId, frame.streamEpoch, [frame.sequence]);
  }

  /** What the next DetectionBatch of this camera and epoch announces; forgotten here once taken. */
  take(cameraId: string, epoch: string): number[] {
    const camera = this.cameras.get(cameraId);
    if (!camera || camera.epoch !== epoch) return [];
    this.cameras.delete(cameraId);
    return camera.sequences;
  }

  /** A batch whose publish failed: what it would have announced is announced by the next one. */
  giveBack(cameraId: string, epoch: string, sequences: number[]): void {
    this.add(cameraId, epoch, sequences);
  }

  private add(cameraId: string, epoch: string, sequences: number[]): void {
    let camera = this.cameras.get(cameraId);
    if (!camera || camera.epoch !== epoch) {
      camera = { epoch, sequences: [] };
      this.cameras.set(cameraId, camera);
    }
    camera.sequences.push(...sequences);
    if (camera.sequences.length > MAX_ANNOUNCED) camera.sequences.splice(0, camera.sequences.length - MAX_ANNOUNCED);
  }
}
