import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { unary } from '@va/common';
import { ReviewStatus, type Flag } from '@va/proto/va/common/v1/flag';
import type { SanityServiceClient } from '@va/proto/va/sanity/v1/sanity';
import type { CocoDataset } from '../../../services/sanity-check/src/export/coco-format.js';
import { cocoFileProblems, cocoProblems } from '../../../services/sanity-check/src/export/coco-validate.js';
import { injectFault } from '@va/harness/sanity-scenes/fault-catalogue';
import { fixtureSource } from '@va/harness/sanity-scenes/fixture-sources';
import { startIngestFrames, type IngestFrames } from '@va/harness/sanity-scenes/ingest-frames';
import { publishWithFrames } from '@va/harness/sanity-scenes/replay';
import { SEQUENCES } from '@va/harness/sanity-scenes/scene';
import { toMessages } from '@va/harness/sanity-scenes/scene-messages';
import { decodeFrames } from '@va/harness/sanity-scenes/video-frames';
import { codeOf } from '../../helpers/grpc.js';
import { readFlags, readReviews, waitConsumed } from '@va/harness/sanity-service';
import { sanityTestBed } from '../../helpers/sanity-test-bed.js';
import { T0 } from './scenario-setup.js';

const CAMERA = 'plaza-1';

describe(
  'review and export round trip: flags from real frames -> gRPC review -> COCO labeling set',
  { timeout: 300_000 },
  () => {
    const bed = sanityTestBed({ VA_SANITY_SAMPLE_LOW_CONF_BELOW: '0.45', VA_SANITY_SAMPLE_INTERVAL_MS: '5000' });
    let viewer: SanityServiceClient;
    let operator: SanityServiceClient;
    let vanish: Flag;
    let flip: Flag;
    let jump: Flag;
    let ingest: IngestFrames;
    const spec = SEQUENCES.pets();

    after(async () => {
      await ingest?.close();
    });

    before(async () => {
      viewer = bed.service.client('viewer');
      operator = bed.service.client('operator');
      let scene = await fixtureSource().load(spec);
      const faults = [];
      for (const [kind, at] of [
        ['vanish', 0.2],
        ['class-flip', 0.5],
        ['teleport', 0.8],
      ] as const) {
        const p = await injectFault(scene, kind, at);
        scene = p.scene;
        faults.push(p.fault);
      }
      // Every message goes out with its real decoded frame kept in ingest's ring, as when ingest
      // publishes it: 64 frames of 768x576 (a few seconds of video), far fewer than the scene has.
      ingest = await startIngestFrames(bed.server, {
        cameraBytes: 64 * 768 * 576 * 3,
        totalBytes: 128 * 768 * 576 * 3,
      });
      await publishWithFrames(
        ingest.ring,
        bed.nats.js,
        spec,
        toMessages(scene, { cameraId: CAMERA, streamEpoch: 'run-7', t0: T0 }),
      );
      await waitConsumed(bed.nats);
      const flags = await readFlags(bed.nats);
      const find = (rule: string, trackId?: string) =>
        flags.find((f) => f.rule === rule && (!trackId || f.trackId === trackId));
      vanish = find('track-without-detection', faults[0]!.trackId)!;
      flip = find('class-flip', faults[1]!.trackId)!;
      jump = find('impossible-motion', faults[2]!.trackId)!;
      assert.ok(vanish && flip && jump, `expected flags, got ${flags.map((f) => f.rule).join(', ')}`);
    });

    it('lists flags with filters and pages for a viewer', async () => {
      const all = await unary(viewer.listFlags.bind(viewer), {
        cameraIds: [CAMERA],
        rules: [],
        maxSeverity: 0,
        reviewStatuses: [],
        fromMs: 0,
        toMs: 0,
        pageSize: 0,
        pageToken: '',
        trackId: '',
      });
      assert.ok(all.total >= 3);
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await unary(viewer.listFlags.bind(viewer), {
          cameraIds: [CAMERA],
          rules: [],
          maxSeverity: 0,
          reviewStatuses: [ReviewStatus.REVIEW_STATUS_PENDING],
          fromMs: 0,
          toMs: 0,
          pageSize: 1,
          pageToken,
          trackId: '',
        });
        seen.push(...page.flags.map((f) => f.flagId));
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.equal(seen.length, all.total);
      const flips = await unary(viewer.listFlags.bind(viewer), {
        cameraIds: [],
        rules: ['class-flip'],
        maxSeverity: 3,
        reviewStatuses: [],
        fromMs: 0,
        toMs: 0,
        pageSize: 10,
        pageToken: '',
        trackId: flip.trackId,
      });
      assert.deepEqual(
        flips.flags.map((f) => f.flagId),
        [flip.flagId],
      );
      assert.equal(
        await codeOf(
          unary(viewer.listFlags.bind(viewer), {
            cameraIds: ['bad camera'],
            rules: [],
            maxSeverity: 0,
            reviewStatuses: [],
            fromMs: 0,
            toMs: 0,
            pageSize: 0,
            pageToken: '',
            trackId: '',
          }),
        ),
        status.INVALID_ARGUMENT,
      );
    });

    it('lets operators, not viewers, confirm and reject; every decision is in VA_REVIEWS before the answer', async () => {
      const review = (client: SanityServiceClient, flagId: string, decision: ReviewStatus, note = '') =>
        unary(client.reviewFlag.bind(client), { flagId, decision, note });
      assert.equal(
        await codeOf(review(viewer, vanish.flagId, ReviewStatus.REVIEW_STATUS_CONFIRMED)),
        status.PERMISSION_DENIED,
      );
      assert.equal(
        await codeOf(review(operator, 'no-such-flag', ReviewStatus.REVIEW_STATUS_CONFIRMED)),
        status.NOT_FOUND,
      );
      assert.equal(
        await codeOf(review(operator, vanish.flagId, ReviewStatus.REVIEW_STATUS_PENDING)),
        status.INVALID_ARGUMENT,
      );
      const confirmed = await review(
        operator,
        vanish.flagId,
        ReviewStatus.REVIEW_STATUS_CONFIRMED,
        'person behind nothing, detector missed her',
      );
      assert.equal(confirmed.flag?.reviewStatus, ReviewStatus.REVIEW_STATUS_CONFIRMED);
      // Right after the answer, the decision is durable (read straight from the stream).
      const stored = (await readReviews(bed.nats)).find((r) => r.flagId === vanish.flagId);
      assert.equal(stored?.decision, ReviewStatus.REVIEW_STATUS_CONFIRMED);
      assert.match(stored?.reviewer ?? '', /^operator:[0-9a-f]{12}$/);
      assert.equal(stored?.note, 'person behind nothing, detector missed her');
      await review(operator, flip.flagId, ReviewStatus.REVIEW_STATUS_CONFIRMED);
      await review(operator, jump.flagId, ReviewStatus.REVIEW_STATUS_REJECTED, 'the tracker is right, a second person');
      const reviews = await readReviews(bed.nats);
      assert.equal(reviews.length, 3);
      assert.equal(new Set(reviews.map((r) => r.reviewId)).size, 3);
      assert.equal(await bed.service.metric('va_sanity_reviews_total', { decision: 'confirmed' }), 2);
      assert.equal(await bed.service.metric('va_sanity_reviews_total', { decision: 'rejected' }), 1);
    });

    it('exports confirmed flags and low-confidence samples as a valid COCO set whose boxes and pixels match', async () => {
      assert.equal(
        await codeOf(
          unary(viewer.exportLabelingSet.bind(viewer), {
            cameraIds: [],
            fromMs: 0,
            toMs: 0,
            lowConfidenceBelow: 0,
            maxImages: 0,
            rules: [],
          }),
        ),
        status.PERMISSION_DENIED,
      );
      const res = await unary(
        operator.exportLabelingSet.bind(operator),
        { cameraIds: [CAMERA], fromMs: 0, toMs: 0, lowConfidenceBelow: 0.45, maxImages: 0, rules: [] },
        { deadlineMs: 60_000 },
      );
      assert.equal(res.flags, 2);
      assert.equal(res.flagsWithoutImage, 0, "every flagged frame was still in ingest's ring");
      assert.ok(res.lowConfidenceImages >= 1, 'low-confidence samples were stored and exported');
      assert.equal(res.images, 2 + res.lowConfidenceImages);
      const coco = JSON.parse(readFileSync(join(res.path, 'annotations.json'), 'utf8')) as CocoDataset;
      assert.deepEqual(cocoProblems(coco), []);
      assert.deepEqual(await cocoFileProblems(coco, join(res.path, 'images')), []);
      assert.equal(coco.annotations.length, res.annotations);
      assert.ok(existsSync(join(res.path, 'skipped.json')));

      for (const flag of [vanish, flip]) {
        const ann = coco.annotations.find((a) => a.va_flag_id === flag.flagId);
        assert.ok(ann, `annotation for ${flag.rule}`);
        const b = flag.boxes[0]!;
        const expected = [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1];
        ann.bbox.forEach((v, i) =>
          assert.ok(Math.abs(v - expected[i]!) < 0.02, `bbox ${ann.bbox} matches flag box ${expected}`),
        );
        assert.equal(coco.categories.find((c) => c.id === ann.category_id)?.name, flag.classNames[0]);
        const image = coco.images.find((i) => i.id === ann.image_id)!;
        assert.deepEqual(
          [image.va_camera_id, image.va_sequence, image.width, image.height],
          [CAMERA, flag.sequence, 768, 576],
        );
        // The exported picture is the real frame the flag points to.
        const exported = await sharp(join(res.path, 'images', image.file_name))
          .raw()
          .toBuffer();
        let original: Buffer | undefined;
        for await (const f of decodeFrames(spec.video, spec.width, spec.height, { from: flag.sequence, count: 1 }))
          original = f.rgb;
        let diff = 0;
        for (let i = 0; i < exported.length; i += 97) diff += Math.abs(exported[i]! - original![i]!);
        assert.ok(
          diff / (exported.length / 97) < 6,
          `exported frame ${flag.sequence} differs from the video frame by ${diff / (exported.length / 97)} on average`,
        );
      }
      assert.ok(!coco.annotations.some((a) => a.va_flag_id === jump.flagId), 'the rejected flag is not exported');
      assert.ok(
        coco.annotations.some((a) => a.va_source === 'detection'),
        "the model's other detections come as pre-labels",
      );
      assert.equal(await bed.service.metric('va_sanity_exports_total', { outcome: 'ok' }), 1);
      assert.ok((await bed.service.metric('va_sanity_evidence_store_bytes')) > 0);
      assert.ok((ingest.evicted.camera_bytes ?? 0) > 0, "ingest's ring is bounded");
      assert.equal(
        await bed.service.metric('va_sanity_evidence_missing_total'),
        0,
        'no flagged or sampled frame went without its image',
      );
      assert.deepEqual(
        bed.server.permissionViolations(),
        [],
        'sanity-check asked and ingest answered within their NATS permissions',
      );
    });
  },
);
