import { createHash } from 'node:crypto';

/**
 * A flag's id is a hash of what makes it that flag: camera, stream epoch, rule, subject and the
 * sequence of the frame where it started. Processing the same messages again (a redelivery, a
 * second instance, a replay) gives the same id, so JetStream de-duplicates the publish and the
 * search index overwrites the same document.
 */
export function flagId(parts: {
  cameraId: string;
  streamEpoch: string;
  rule: string;
  subject: string;
  sequence: number;
}): string {
  return createHash('sha256')
    .update([parts.cameraId, parts.streamEpoch, parts.rule, parts.subject, String(parts.sequence)].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}

/** JetStream message id of one version of a flag: the first publish and each count update differ. */
export function flagMsgId(flag: { flagId: string; count: number }): string {
  return `flag:${flag.flagId}:${flag.count}`;
}
