import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EVIDENCE_FRAME_STATUSES, type EvidenceFrameStatus } from '@va/common';
import type { EvidenceFrameServerHooks } from './evidence-frame-server.js';
import { RING_EVICTION_REASONS, type PublishedFrameRing, type RingEvictionReason } from './published-frame-ring.js';

const ENCODE_BUCKETS_S = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

/** The published-frame ring and the evidence-frame requests it answers. */
export class EvidenceMetrics {
  private readonly evictions: Counter<'reason'>;
  private readonly requests: Counter<'status'>;
  private readonly encodeSeconds: Histogram;
  private ring: PublishedFrameRing | undefined;

  constructor(registry: Registry, prefix: string) {
    const registers = [registry];
    const ring = () => this.ring;
    this.evictions = new Counter({
      name: `${prefix}frame_ring_evictions_total`,
      help: 'Published frames that left the evidence ring, by reason (camera_bytes, total_bytes, epoch, too_big).',
      labelNames: ['reason'],
      registers,
    });
    this.requests = new Counter({
      name: `${prefix}evidence_requests_total`,
      help: 'Evidence-frame requests answered, by status.',
      labelNames: ['status'],
      registers,
    });
    this.encodeSeconds = new Histogram({
      name: `${prefix}evidence_encode_seconds`,
      help: 'JPEG encoding of one evidence frame (off the frame path).',
      buckets: ENCODE_BUCKETS_S,
      registers,
    });
    for (const reason of RING_EVICTION_REASONS) this.evictions.inc({ reason }, 0);
    for (const status of EVIDENCE_FRAME_STATUSES) this.requests.inc({ status }, 0);
    const bytes: Gauge = new Gauge({
      name: `${prefix}frame_ring_bytes`,
      help: 'Bytes of published frames held in the evidence ring.',
      registers,
      collect: (): void => bytes.set(ring()?.bytes ?? 0),
    });
    const frames: Gauge = new Gauge({
      name: `${prefix}frame_ring_frames`,
      help: 'Published frames held in the evidence ring.',
      registers,
      collect: (): void => frames.set(ring()?.frames ?? 0),
    });
  }

  readFrom(ring: PublishedFrameRing): void {
    this.ring = ring;
  }

  evicted(reason: RingEvictionReason, frames: number): void {
    this.evictions.inc({ reason }, frames);
  }

  get hooks(): EvidenceFrameServerHooks {
    return {
      answered: (status: EvidenceFrameStatus) => this.requests.inc({ status }),
      encoded: (seconds: number) => this.encodeSeconds.observe(seconds),
    };
  }
}
