import { reviewStatusToJSON, severityToJSON, type Flag, type ReviewDecision } from '@va/proto/va/common/v1/flag';
import { boxDoc, compact, enumName, eventTime, type DocDraft } from './fields.js';

/**
 * One document per flag id. A sanity rule re-emits a flag with the same id as repeats fold into
 * it (count, last_ts grow), so the write is versioned by last_ts: a late redelivery of an older
 * fold cannot overwrite a newer one.
 */
export function flagDoc(f: Flag): DocDraft {
  const tsMs = eventTime(f.tsMs, f.firstTsMs, f.lastTsMs);
  const evidence = Object.fromEntries(Object.entries(f.evidence).filter(([, v]) => Number.isFinite(v)));
  return {
    id: f.flagId,
    tsMs,
    version: { value: Math.max(f.lastTsMs, f.tsMs, 0), type: 'external_gte' },
    doc: compact({
      '@timestamp': tsMs,
      camera_id: f.cameraId,
      stream_epoch: f.streamEpoch,
      flag_id: f.flagId,
      rule: f.rule,
      subject: f.subject || undefined,
      severity: enumName(severityToJSON(f.severity), 'SEVERITY_'),
      sequence: f.sequence,
      track_id: f.trackId || undefined,
      first_ts: f.firstTsMs > 0 ? f.firstTsMs : undefined,
      last_ts: f.lastTsMs > 0 ? f.lastTsMs : undefined,
      count: f.count,
      message: f.message,
      evidence,
      boxes: f.boxes.map(boxDoc).filter((b) => b !== undefined),
      scores: f.scores.filter(Number.isFinite),
      class_names: f.classNames.length > 0 ? f.classNames : undefined,
      frame_width: f.frameWidth || undefined,
      frame_height: f.frameHeight || undefined,
      review_status: enumName(reviewStatusToJSON(f.reviewStatus), 'REVIEW_STATUS_'),
    }),
  };
}

/** Every decision is kept (who decided what, when); the newest per flag_id (highest revision) is the current one. */
export function reviewDoc(r: ReviewDecision): DocDraft {
  const tsMs = eventTime(r.tsMs);
  return {
    // review_id is deterministic per (flag, revision, content); older producers did not set it.
    id: r.reviewId || `${r.flagId}:${r.tsMs}:${r.reviewer}`,
    tsMs,
    doc: compact({
      '@timestamp': tsMs,
      camera_id: r.cameraId,
      review_id: r.reviewId || undefined,
      flag_id: r.flagId,
      revision: r.revision,
      decision: enumName(reviewStatusToJSON(r.decision), 'REVIEW_STATUS_'),
      note: r.note || undefined,
      reviewer: r.reviewer || undefined,
    }),
  };
}
