import { createHash } from 'node:crypto';
import type { JetStreamClient } from 'nats';
import {
  codecs,
  errorMessage,
  InvalidArgumentError,
  NotFoundError,
  StreamFullError,
  subjects,
  UnavailableError,
  type PublishRefusals,
} from '@va/common';
import { ReviewStatus, type Flag, type ReviewDecision } from '@va/proto/va/common/v1/flag';
import type { FlagStore } from '../flags/flag-store.js';
import type { SanityMetrics } from '../metrics.js';

export const MAX_NOTE_LENGTH = 2000;

export interface ReviewRequest {
  flagId: string;
  decision: ReviewStatus;
  note: string;
}

/**
 * A person confirms or rejects a flag. The decision is published to VA_REVIEWS and only once
 * JetStream has acknowledged it is the flag view updated and the caller answered, so an answered
 * review is never lost. The review id hashes the flag, the revision (decisions before this one) and
 * the content: a client retrying the same call is stored once; a later change of mind is a new one.
 */
export class ReviewService {
  constructor(
    private readonly js: JetStreamClient,
    private readonly store: FlagStore,
    private readonly metrics: SanityMetrics,
    private readonly refusals: PublishRefusals,
    private readonly clock: () => number = Date.now,
  ) {}

  async review(request: ReviewRequest, reviewer: string): Promise<Flag> {
    if (!request.flagId) throw new InvalidArgumentError('flag_id is required', 'flag_id');
    if (
      request.decision !== ReviewStatus.REVIEW_STATUS_CONFIRMED &&
      request.decision !== ReviewStatus.REVIEW_STATUS_REJECTED
    ) {
      throw new InvalidArgumentError('decision must be REVIEW_STATUS_CONFIRMED or REVIEW_STATUS_REJECTED', 'decision');
    }
    if (request.note.length > MAX_NOTE_LENGTH)
      throw new InvalidArgumentError(`note is longer than ${MAX_NOTE_LENGTH} characters`, 'note');
    const flag = this.store.get(request.flagId);
    if (!flag) throw new NotFoundError(`flag ${request.flagId} not found`);
    const revision = this.store.reviewsOf(flag.flagId).length;
    const decision: ReviewDecision = {
      flagId: flag.flagId,
      cameraId: flag.cameraId,
      decision: request.decision,
      note: request.note,
      reviewer,
      tsMs: this.clock(),
      reviewId: reviewId(flag.flagId, revision, request.decision, request.note, reviewer),
      revision,
    };
    try {
      await this.refusals.publish(this.js, subjects.reviews(flag.cameraId), codecs.reviewDecision.encode(decision), {
        msgID: `review:${decision.reviewId}`,
      });
    } catch (err) {
      // A full VA_REVIEWS refuses (discard-new): counted, and the caller gets RESOURCE_EXHAUSTED to retry later.
      if (err instanceof StreamFullError) throw err;
      throw new UnavailableError(`review not stored, JetStream did not acknowledge it: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    this.store.applyReview(decision);
    this.metrics.reviews.inc({
      decision: request.decision === ReviewStatus.REVIEW_STATUS_CONFIRMED ? 'confirmed' : 'rejected',
      rule: flag.rule,
    });
    return this.store.get(flag.flagId) ?? { ...flag, reviewStatus: request.decision };
  }
}

function reviewId(flagId: string, revision: number, decision: ReviewStatus, note: string, reviewer: string): string {
  return createHash('sha256')
    .update([flagId, String(revision), String(decision), note, reviewer].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}
