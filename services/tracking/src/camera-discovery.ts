import { STREAMS, subjects, type NatsConnectionHandle } from '@va/common';

/**
 * The cameras that have detections in VA_DETECTIONS, read from the stream's per-subject state
 * (JetStream stream info with a subjects filter; nats-server 2.9 supports it). Polling costs one
 * request per interval whatever the traffic, unlike listening to the data itself.
 */
export async function discoverCameras(nats: NatsConnectionHandle): Promise<string[]> {
  const info = await nats.jsm.streams.info(STREAMS.detections.name, { subjects_filter: subjects.detections('*') });
  const found = new Set<string>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const camera = subjects.cameraOf(subject);
    if (camera) found.add(camera);
  }
  return [...found].sort();
}
