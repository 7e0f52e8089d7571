import { codecs, subjects, type NatsConnectionHandle, type PublishRefusals } from '@va/common';
import type { FrameOutput } from './camera-state.js';
import { trackUpdateMsgId } from './track-ids.js';

/**
 * Publishes one frame's output to JetStream: the TrackUpdate on va.tracks.<camera> and its
 * events on va.track-events.<camera>, each with a deterministic msgID so a retry or a replay
 * inside the duplicate window is stored once. Resolves when the server has stored all of them.
 * A full stream refuses (discard-new): the refusal is counted and thrown as StreamFullError, and
 * the camera worker retries while the frame stays unacknowledged in VA_DETECTIONS.
 */
export class TrackPublisher {
  constructor(
    private readonly nats: NatsConnectionHandle,
    private readonly refusals: PublishRefusals,
  ) {}

  async publish(camera: string, output: FrameOutput<unknown>, nowMs: number): Promise<void> {
    const acks: Array<Promise<unknown>> = [];
    if (output.update) {
      output.update.trackedTsMs = nowMs;
      acks.push(
        this.store(
          subjects.tracks(camera),
          codecs.trackUpdate.encode(output.update),
          trackUpdateMsgId(camera, output.epoch, output.sequence),
        ),
      );
    }
    for (const event of output.events) {
      acks.push(this.store(subjects.trackEvents(camera), codecs.trackEvent.encode(event), event.eventId));
    }
    await Promise.all(acks);
  }

  private async store(subject: string, data: Uint8Array, msgID: string): Promise<void> {
    await this.refusals.publish(this.nats.js, subject, data, { msgID });
  }
}
