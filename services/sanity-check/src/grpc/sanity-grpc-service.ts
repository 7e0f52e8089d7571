import {
  assertCameraId,
  InvalidArgumentError,
  ResourceExhaustedError,
  type AsyncService,
  type MethodRoles,
} from '@va/common';
import { Severity } from '@va/proto/va/common/v1/flag';
import type { SanityServiceService } from '@va/proto/va/sanity/v1/sanity';
import type { CocoExporter } from '../export/coco-exporter.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { SanityMetrics } from '../metrics.js';
import { reviewerIdentity } from '../review/reviewer-identity.js';
import type { ReviewService } from '../review/review-service.js';

type Definition = typeof SanityServiceService;

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface SanityGrpcParts {
  store: FlagStore;
  reviews: ReviewService;
  exporter: CocoExporter;
  metrics: SanityMetrics;
  /** The most images one export may hold (VA_SANITY_EXPORT_MAX_IMAGES). */
  maxImages: number;
}

/** Viewers list flags; operators decide on them and export labeling sets (which write files on this host). */
export const SANITY_ROLES: MethodRoles<Definition> = {
  listFlags: 'viewer',
  reviewFlag: 'operator',
  exportLabelingSet: 'operator',
};

/** va.sanity.v1.SanityService: request validation here, the work in the store, review service and exporter. */
export function sanityGrpcService(p: SanityGrpcParts): AsyncService<Definition> {
  let exporting = false;
  return {
    listFlags: async (req) => {
      if (req.pageSize > MAX_PAGE_SIZE)
        throw new InvalidArgumentError(`page_size must be at most ${MAX_PAGE_SIZE}`, 'page_size');
      if (req.maxSeverity < 0 || req.maxSeverity > Severity.SEVERITY_REVIEW_WEEKLY)
        throw new InvalidArgumentError('max_severity must be 0..3', 'max_severity');
      checkRange(req.fromMs, req.toMs);
      const page = p.store.list(
        {
          cameraIds: req.cameraIds.map((c) => assertCameraId(c, 'camera_ids')),
          rules: req.rules,
          maxSeverity: req.maxSeverity,
          reviewStatuses: req.reviewStatuses,
          fromMs: req.fromMs,
          toMs: req.toMs,
          trackId: req.trackId,
        },
        req.pageSize || DEFAULT_PAGE_SIZE,
        req.pageToken,
      );
      return { flags: page.flags, nextPageToken: page.nextPageToken, total: page.total };
    },

    reviewFlag: async (req, ctx) => {
      const flag = await p.reviews.review(
        { flagId: req.flagId, decision: req.decision, note: req.note },
        reviewerIdentity(ctx),
      );
      return { flag };
    },

    exportLabelingSet: async (req) => {
      if (req.maxImages > p.maxImages)
        throw new InvalidArgumentError(`max_images must be at most ${p.maxImages}`, 'max_images');
      if (!(req.lowConfidenceBelow >= 0 && req.lowConfidenceBelow <= 1))
        throw new InvalidArgumentError('low_confidence_below must be within 0..1', 'low_confidence_below');
      checkRange(req.fromMs, req.toMs);
      const cameraIds = req.cameraIds.map((c) => assertCameraId(c, 'camera_ids'));
      if (exporting) throw new ResourceExhaustedError('an export is already running; try again when it has finished');
      exporting = true;
      try {
        const result = await p.exporter.export({
          cameraIds,
          rules: req.rules,
          fromMs: req.fromMs,
          toMs: req.toMs,
          lowConfidenceBelow: req.lowConfidenceBelow,
          maxImages: req.maxImages || p.maxImages,
        });
        p.metrics.exports.inc({ outcome: 'ok' });
        p.metrics.exportedImages.inc({ source: 'flag' }, result.images - result.lowConfidenceImages);
        p.metrics.exportedImages.inc({ source: 'low-confidence' }, result.lowConfidenceImages);
        return {
          path: result.path,
          images: result.images,
          annotations: result.annotations,
          flags: result.flags,
          flagsWithoutImage: result.flagsWithoutImage,
          lowConfidenceImages: result.lowConfidenceImages,
          exportId: result.exportId,
        };
      } catch (err) {
        p.metrics.exports.inc({ outcome: 'failed' });
        throw err;
      } finally {
        exporting = false;
      }
    },
  };
}

function checkRange(fromMs: number, toMs: number): void {
  if (fromMs < 0 || toMs < 0) throw new InvalidArgumentError('from_ms and to_ms must not be negative', 'from_ms');
  if (fromMs && toMs && fromMs > toMs) throw new InvalidArgumentError('from_ms must not be after to_ms', 'from_ms');
}
