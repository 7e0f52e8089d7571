import { Flag, ReviewStatus } from '@va/proto/va/common/v1/flag';
import type { CandidateFlag } from '../rules/rule.js';
import { flagId } from './flag-id.js';
import { TokenBuckets } from './token-bucket.js';

export interface FlagFolderOptions {
  /** A repeat of the same (camera, rule, subject) within this long after the last one folds into its flag. */
  quietMs: number;
  /** New flags per camera and rule per minute; more are folded into one "rate-limited" flag. */
  maxNewPerMinute: number;
  burst: number;
  /** Open flags kept at most; the oldest are closed first beyond it. */
  maxOpen: number;
}

export type FoldOutcome =
  /** A flag to publish now. */
  | { kind: 'new'; flag: Flag }
  /** A repeat counted into an open flag; its new count goes out with the next update. */
  | { kind: 'folded'; flag: Flag }
  /** Over the rate limit: counted into the camera+rule overflow flag, which is new when `created`. */
  | { kind: 'suppressed'; flag: Flag; created: boolean };

interface OpenFlag {
  flag: Flag;
  publishedCount: number;
}

export const RATE_LIMITED_SUBJECT = 'rate-limited';

/**
 * De-duplication and rate limiting of candidate flags, per camera, rule and subject, on message
 * time. The first candidate opens a flag; repeats fold into it (count, last_ts) until the subject
 * has been quiet for `quietMs`. New flags per camera and rule are limited by a token bucket; the
 * excess folds into one overflow flag per camera and rule. So an hour-long outage is one flag with a
 * count in the thousands, not thousands of flags. Count updates are collected by `updates()`.
 */
export class FlagFolder {
  /** camera -> key -> open flag */
  private readonly open = new Map<string, Map<string, OpenFlag>>();
  private openCount = 0;
  private readonly limiter: TokenBuckets;

  constructor(private readonly options: FlagFolderOptions) {
    this.limiter = new TokenBuckets(options.maxNewPerMinute, options.burst);
  }

  get size(): number {
    return this.openCount;
  }

  /** Folds one candidate. Also returns final updates of this camera's flags that went quiet. */
  observe(c: CandidateFlag): { outcome: FoldOutcome; closed: Flag[] } {
    const closed = this.closeQuiet(c.cameraId, c.tsMs);
    const flags = this.cameraFlags(c.cameraId);
    const key = `${c.rule}\u0000${c.subject}`;
    const existing = flags.get(key);
    if (existing) {
      fold(existing.flag, c);
      return { outcome: { kind: 'folded', flag: existing.flag }, closed };
    }
    if (this.limiter.take(`${c.cameraId}\u0000${c.rule}`, c.tsMs)) {
      const flag = toFlag(c, c.subject);
      this.add(flags, key, flag);
      return { outcome: { kind: 'new', flag }, closed };
    }
    const overflowKey = `${c.rule}\u0000${RATE_LIMITED_SUBJECT}`;
    const overflow = flags.get(overflowKey);
    if (overflow) {
      fold(overflow.flag, c);
      return { outcome: { kind: 'suppressed', flag: overflow.flag, created: false }, closed };
    }
    const flag = toFlag(c, RATE_LIMITED_SUBJECT);
    flag.trackId = '';
    flag.message = `more ${c.rule} flags on camera ${c.cameraId} than ${this.options.maxNewPerMinute}/min: the rest are counted here (first: ${c.message})`;
    this.add(flags, overflowKey, flag);
    return { outcome: { kind: 'suppressed', flag, created: true }, closed };
  }

  /** Open flags whose count grew since they were last handed out; they count as published now. */
  updates(): Flag[] {
    const out: Flag[] = [];
    for (const flags of this.open.values()) {
      for (const entry of flags.values()) {
        if (entry.flag.count > entry.publishedCount) {
          entry.publishedCount = entry.flag.count;
          out.push({ ...entry.flag });
        }
      }
    }
    return out;
  }

  /** Marks a flag's current count as published (new flags, handed out by observe). */
  published(flag: Flag): void {
    const entry = this.open.get(flag.cameraId)?.get(`${flag.rule}\u0000${flag.subject}`);
    if (entry && entry.flag.flagId === flag.flagId) entry.publishedCount = Math.max(entry.publishedCount, flag.count);
  }

  /** Closes every open flag (shutdown) and returns those with unpublished counts. */
  closeAll(): Flag[] {
    const pending = this.updates();
    this.open.clear();
    this.openCount = 0;
    return pending;
  }

  private closeQuiet(cameraId: string, nowMs: number): Flag[] {
    const flags = this.open.get(cameraId);
    if (!flags) return [];
    const closed: Flag[] = [];
    for (const [key, entry] of flags) {
      if (nowMs - entry.flag.lastTsMs <= this.options.quietMs) continue;
      flags.delete(key);
      this.openCount--;
      if (entry.flag.count > entry.publishedCount) closed.push({ ...entry.flag });
    }
    return closed;
  }

  private cameraFlags(cameraId: string): Map<string, OpenFlag> {
    let flags = this.open.get(cameraId);
    if (!flags) {
      flags = new Map();
      this.open.set(cameraId, flags);
    }
    return flags;
  }

  private add(flags: Map<string, OpenFlag>, key: string, flag: Flag): void {
    flags.set(key, { flag, publishedCount: 0 });
    this.openCount++;
    if (this.openCount > this.options.maxOpen) this.evictOldest();
  }

  private evictOldest(): void {
    let oldest: { flags: Map<string, OpenFlag>; key: string; ts: number } | undefined;
    for (const flags of this.open.values()) {
      for (const [key, entry] of flags) {
        if (!oldest || entry.flag.lastTsMs < oldest.ts) oldest = { flags, key, ts: entry.flag.lastTsMs };
      }
    }
    if (oldest) {
      oldest.flags.delete(oldest.key);
      this.openCount--;
    }
  }
}

function toFlag(c: CandidateFlag, subject: string): Flag {
  return Flag.fromPartial({
    flagId: flagId({ cameraId: c.cameraId, streamEpoch: c.streamEpoch, rule: c.rule, subject, sequence: c.sequence }),
    rule: c.rule,
    severity: c.severity,
    cameraId: c.cameraId,
    sequence: c.sequence,
    trackId: c.trackId,
    tsMs: c.tsMs,
    firstTsMs: c.tsMs,
    lastTsMs: c.tsMs,
    count: 1,
    message: c.message,
    evidence: c.evidence,
    boxes: c.boxes,
    scores: c.scores,
    reviewStatus: ReviewStatus.REVIEW_STATUS_PENDING,
    streamEpoch: c.streamEpoch,
    classNames: c.classNames,
    frameWidth: c.frameWidth,
    frameHeight: c.frameHeight,
    subject,
  });
}

/** A repeat: the flag keeps its first frame and evidence, and counts the repeat. */
function fold(flag: Flag, c: CandidateFlag): void {
  flag.count++;
  flag.lastTsMs = Math.max(flag.lastTsMs, c.tsMs);
  flag.firstTsMs = Math.min(flag.firstTsMs, c.tsMs);
}
