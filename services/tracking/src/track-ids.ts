/**
 * Deterministic identifiers. Reprocessing the same frames from the same starting point gives the
 * same ids, so JetStream's duplicate window drops the re-published messages (msgID) and consumers
 * can de-duplicate events by event_id.
 */

/** 32-bit FNV-1a of a string, as 7 base-36 characters. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0');
}

/**
 * A tracker session (one run of a camera's state on one instance) is named by where it started,
 * so track ids of successive sessions (restarts, hand-overs, new stream epochs) never collide.
 */
export function sessionTag(epoch: string, firstSequence: number, firstCaptureTsMs: number): string {
  return shortHash(`${epoch}|${firstSequence}|${firstCaptureTsMs}`);
}

export function formatTrackId(session: string, n: number): string {
  return `${session}-${n}`;
}

export function trackUpdateMsgId(camera: string, epoch: string, sequence: number): string {
  return `tracks:${camera}:${epoch}:${sequence}`;
}

/** event_id and msgID of a track event; `subject` is the zone or line id for geometry events. */
export function trackEventId(camera: string, trackId: string, type: string, sequence: number, subject = ''): string {
  return `${camera}:${trackId}:${type}:${sequence}${subject ? `:${subject}` : ''}`;
}
