import { codecs, subjects, type NatsConnectionHandle } from '@va/common';
import type { FrameOutput } from './camera-state.js';
import { trackUpdateMsgId } from './track-ids.js';

/**
 * Publishes one frame's output to JetStream: the TrackUpdate on va.tracks.<camera> and its
 * events on va.track-events.<camera>, each with a deterministic msgID so a retry or a replay
 * inside the duplicate window is stored once. Resolves when the server has stored all of them.
 */
export class TrackPublisher {
  constructor(private readonly nats: NatsConnectionHandle) {}

  async publish(camera: string, output: FrameOutput<unknown>, nowMs: number): Promise<void> {
    const acks: Array<Promise<unknown>> = [];
    if (output.update) {
      output.update.trackedTsMs = nowMs;
      acks.push(
        this.nats.js.publish(subjects.tracks(camera), codecs.trackUpdate.encode(output.update), {
          msgID: trackUpdateMsgId(camera, output.epoch, output.sequence),
        }),
      );
    }
    for (const event of output.events) {
      acks.push(this.nats.js.publish(subjects.trackEvents(camera), codecs.trackEvent.encode(event), { msgID: event.eventId }));
    }
    await Promise.all(acks);
  }
}
