import { InvalidArgumentError } from '@va/common';
import { ReviewStatus, type Flag, type ReviewDecision } from '@va/proto/va/common/v1/flag';

export interface FlagFilter {
  cameraIds?: readonly string[];
  rules?: readonly string[];
  /** Flags at this severity or more urgent; 0 or undefined: all. */
  maxSeverity?: number;
  reviewStatuses?: readonly ReviewStatus[];
  /** Flags whose [first_ts, last_ts] overlaps [fromMs, toMs]; 0 or undefined leaves a side open. */
  fromMs?: number;
  toMs?: number;
  trackId?: string;
}

export interface FlagPage {
  flags: Flag[];
  nextPageToken: string;
  total: number;
}

interface Entry {
  flag: Flag;
  reviews: ReviewDecision[];
}

/**
 * The service's view of every flag and its review decisions. It holds nothing JetStream does not:
 * it is filled from VA_FLAGS and VA_REVIEWS at start-up (FlagReplay) and kept current from both.
 * Applying the same message twice changes nothing, so the live stream, a local apply after a
 * publish and a replay can overlap freely. At most `maxFlags` flags are kept, oldest dropped first.
 */
export class FlagStore {
  private readonly entries = new Map<string, Entry>();
  /** Decisions whose flag has not arrived (yet), by flag id. */
  private readonly orphanReviews = new Map<string, ReviewDecision[]>();

  constructor(
    private readonly maxFlags: number,
    private readonly maxOrphanReviews = 10_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds a flag or a newer version of it (a higher count); older versions are ignored. */
  applyFlag(flag: Flag): boolean {
    const existing = this.entries.get(flag.flagId);
    if (existing) {
      if (flag.count < existing.flag.count) return false;
      existing.flag = { ...flag, reviewStatus: existing.flag.reviewStatus };
      return true;
    }
    const entry: Entry = { flag: { ...flag, reviewStatus: ReviewStatus.REVIEW_STATUS_PENDING }, reviews: [] };
    this.entries.set(flag.flagId, entry);
    for (const review of this.orphanReviews.get(flag.flagId) ?? []) this.addReview(entry, review);
    this.orphanReviews.delete(flag.flagId);
    if (this.entries.size > this.maxFlags) this.entries.delete(this.entries.keys().next().value as string);
    return true;
  }

  /** Records a decision; the latest decision is the flag's review status. */
  applyReview(review: ReviewDecision): boolean {
    const entry = this.entries.get(review.flagId);
    if (!entry) {
      const waiting = this.orphanReviews.get(review.flagId) ?? [];
      if (waiting.some((r) => r.reviewId === review.reviewId)) return false;
      waiting.push(review);
      this.orphanReviews.set(review.flagId, waiting);
      if (this.orphanReviews.size > this.maxOrphanReviews)
        this.orphanReviews.delete(this.orphanReviews.keys().next().value as string);
      return false;
    }
    return this.addReview(entry, review);
  }

  get(flagId: string): Flag | undefined {
    const entry = this.entries.get(flagId);
    return entry ? { ...entry.flag } : undefined;
  }

  reviewsOf(flagId: string): ReviewDecision[] {
    return [...(this.entries.get(flagId)?.reviews ?? [])];
  }

  /** Matching flags, newest first (ts_ms descending, then flag id). */
  query(filter: FlagFilter): Flag[] {
    const out: Flag[] = [];
    for (const { flag } of this.entries.values()) if (matches(flag, filter)) out.push(flag);
    return out.sort(newestFirst).map((f) => ({ ...f }));
  }

  /** One page of `query`, continuing after the position a previous page's token names. */
  list(filter: FlagFilter, pageSize: number, pageToken: string): FlagPage {
    const all = this.query(filter);
    const after = pageToken ? decodeToken(pageToken) : undefined;
    const start = after ? all.findIndex((f) => newestFirst(f, { tsMs: after.ts, flagId: after.id } as Flag) > 0) : 0;
    const from = start < 0 ? all.length : start;
    const flags = all.slice(from, from + pageSize);
    const last = flags[flags.length - 1];
    const more = from + pageSize < all.length;
    return { flags, nextPageToken: more && last ? encodeToken(last) : '', total: all.length };
  }

  countsByStatus(): Map<ReviewStatus, number> {
    const counts = new Map<ReviewStatus, number>();
    for (const { flag } of this.entries.values())
      counts.set(flag.reviewStatus, (counts.get(flag.reviewStatus) ?? 0) + 1);
    return counts;
  }

  private addReview(entry: Entry, review: ReviewDecision): boolean {
    if (entry.reviews.some((r) => r.reviewId === review.reviewId)) return false;
    entry.reviews.push(review);
    entry.flag = { ...entry.flag, reviewStatus: review.decision };
    return true;
  }
}

function matches(f: Flag, q: FlagFilter): boolean {
  if (q.cameraIds?.length && !q.cameraIds.includes(f.cameraId)) return false;
  if (q.rules?.length && !q.rules.includes(f.rule)) return false;
  if (q.maxSeverity && f.severity > q.maxSeverity) return false;
  if (q.reviewStatuses?.length && !q.reviewStatuses.includes(f.reviewStatus)) return false;
  if (q.fromMs && f.lastTsMs < q.fromMs) return false;
  if (q.toMs && f.firstTsMs > q.toMs) return false;
  if (q.trackId && f.trackId !== q.trackId) return false;
  return true;
}

function newestFirst(a: Pick<Flag, 'tsMs' | 'flagId'>, b: Pick<Flag, 'tsMs' | 'flagId'>): number {
  return b.tsMs - a.tsMs || (a.flagId < b.flagId ? -1 : a.flagId > b.flagId ? 1 : 0);
}

function encodeToken(f: Flag): string {
  return Buffer.from(JSON.stringify({ ts: f.tsMs, id: f.flagId })).toString('base64url');
}

function decodeToken(token: string): { ts: number; id: string } {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { ts?: unknown; id?: unknown };
    if (typeof value.ts === 'number' && typeof value.id === 'string') return { ts: value.ts, id: value.id };
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('page_token is not a token this service issued', 'page_token');
}
