import type { TrackHit } from '@va/proto/va/search/v1/search';
import { boxFromDoc } from './fields.js';

/** A track summary document (embeddings index) as the API's TrackHit. */
export function trackHitFromDoc(doc: Record<string, unknown>, score?: number): TrackHit {
  const bestScore = Number(doc.best_score ?? 0);
  return {
    cameraId: String(doc.camera_id ?? ''),
    trackId: String(doc.track_id ?? ''),
    className: String(doc.class_name ?? ''),
    score: score ?? bestScore,
    firstSeenTsMs: Number(doc.first_seen_ts ?? 0),
    lastSeenTsMs: Number(doc.last_seen_ts ?? 0),
    bestBox: doc.best_box ? boxFromDoc(doc.best_box) : undefined,
    bestSequence: Number(doc.best_sequence ?? 0),
    bestScore,
    bestTsMs: Number(doc.best_ts ?? 0),
    classId: Number(doc.class_id ?? 0),
    hits: Number(doc.hits ?? 0),
    hasEmbedding: doc.has_embedding === true,
    streamEpoch: String(doc.stream_epoch ?? ''),
  };
}

/** Elasticsearch's cosine _score is (1 + cosine) / 2; the API reports the cosine itself. */
export function cosineFromScore(score: number | null | undefined): number {
  return 2 * (score ?? 0) - 1;
}
