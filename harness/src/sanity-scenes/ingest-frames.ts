import { connect, type NatsConnection } from 'nats';
import { createLogger } from '@va/common';
import { EvidenceFrameServer } from '../../../services/ingest/src/evidence-frame-server.js';
import { PublishedFrameRing, type RingEvictionReason } from '../../../services/ingest/src/published-frame-ring.js';
import type { TestNatsServer } from '../nats-server.js';

export interface IngestFrames {
  ring: PublishedFrameRing;
  /** Frames that left the ring, by reason. */
  evicted: Partial<Record<RingEvictionReason, number>>;
  close(): Promise<void>;
}

/**
 * Ingest's own frame ring and evidence-frame server (the real classes, in this process) on a
 * connection as the `ingest` user: the fixtures' frames carry the scene's stream epoch and
 * sequence numbers, which a real ingest process reading a clip would number its own way.
 */
export async function startIngestFrames(
  server: TestNatsServer,
  ring: { cameraBytes: number; totalBytes: number },
): Promise<IngestFrames> {
  const nc: NatsConnection = await connect(server.clientOptions('ingest'));
  const evicted: IngestFrames['evicted'] = {};
  const frames = new PublishedFrameRing(ring, (reason, n) => (evicted[reason] = (evicted[reason] ?? 0) + n));
  const answers = new EvidenceFrameServer(
    nc,
    frames,
    { maxConcurrent: 2, maxPixels: 4096 * 4096 },
    { answered: () => {}, encoded: () => {} },
    createLogger('ingest-frames', 'silent'),
  );
  answers.start();
  await nc.flush();
  return {
    ring: frames,
    evicted,
    close: async () => {
      await answers.stop();
      frames.clear();
      await nc.close();
    },
  };
}
