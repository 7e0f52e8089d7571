import { codecs, STREAMS, subjects, type NatsConnectionHandle } from '@va/common';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';

/** The newest TrackUpdate of a camera stored in VA_TRACKS, or undefined when there is none. */
export async function lastStoredTrackUpdate(
  nats: NatsConnectionHandle,
  camera: string,
): Promise<TrackUpdate | undefined> {
  const subject = subjects.tracks(camera);
  let data: Uint8Array;
  try {
    data = (await nats.jsm.streams.getMessage(STREAMS.tracks.name, { last_by_subj: subject })).data;
  } catch (err) {
    if (/no message found|not found/i.test(String((err as Error)?.message))) return undefined;
    throw err;
  }
  return codecs.trackUpdate.decode(data, subject);
}
