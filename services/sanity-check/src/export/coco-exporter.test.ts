import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { Flag, ReviewStatus, Severity } from '@va/proto/va/common/v1/flag';
import { EvidenceStore } from '../evidence/evidence-store.js';
import { FlagStore } from '../flags/flag-store.js';
import type { CocoDataset } from './coco-format.js';
import { CocoExporter } from './coco-exporter.js';
import { cocoProblems } from './coco-validate.js';

const root = mkdtempSync(join(tmpdir(), 'va-coco-'));
after(() => rmSync(root, { recursive: true, force: true }));

const confirm = (store: FlagStore, flagId: string) =>
  store.applyReview({
    flagId,
    cameraId: 'cam-1',
    decision: ReviewStatus.REVIEW_STATUS_CONFIRMED,
    note: '',
    reviewer: 'operator:x',
    tsMs: 1,
    reviewId: `r-${flagId}`,
    revision: 0,
  });

describe('COCO exporter', () => {
  let flags: FlagStore;
  let evidence: EvidenceStore;
  let exporter: CocoExporter;

  before(async () => {
    flags = new FlagStore(100);
    evidence = await EvidenceStore.open(join(root, 'evidence'), { maxBytes: 1 << 30, maxAgeMs: 3600_000 });
    exporter = new CocoExporter(flags, evidence, { dir: join(root, 'exports'), keep: 2 });
    const image = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } },
    })
      .jpeg()
      .toBuffer();
    const stored = (
      sequence: number,
      kinds: Array<'flag' | 'low-confidence'>,
      detections: Array<[number, number, number, number, number, string]>,
    ) =>
      evidence.write(
        {
          version: 1,
          cameraId: 'cam-1',
          streamEpoch: 'e',
          sequence,
          captureTsMs: 5000 + sequence,
          width: 320,
          height: 240,
          kinds,
          flagIds: [],
          storedAtMs: sequence,
          detections: detections.map(([x1, y1, x2, y2, score, className]) => ({
            box: [x1, y1, x2, y2],
            score,
            classId: 0,
            className,
          })),
        },
        image,
      );
    // Frame 10: a vanished person (flag box, no detection) and a car the model did see.
    await stored(10, ['flag'], [[200, 50, 300, 120, 0.8, 'car']]);
    // Frame 20: a class flip; its flag box is also one of the detections (annotated once).
    await stored(
      20,
      ['flag'],
      [
        [40, 40, 90, 200, 0.7, 'person'],
        [100, 100, 140, 130, 0.35, 'dog'],
      ],
    );
    // Frame 30: a low-confidence sample, no flag.
    await stored(
      30,
      ['low-confidence'],
      [
        [10, 10, 60, 60, 0.2, 'person'],
        [300, 200, 340, 260, 0.9, 'person'],
      ],
    );
    const flag = (
      id: string,
      sequence: number,
      box: [number, number, number, number],
      className: string,
      rule: string,
    ) =>
      flags.applyFlag(
        Flag.fromPartial({
          flagId: id,
          rule,
          severity: Severity.SEVERITY_REVIEW_WEEKLY,
          cameraId: 'cam-1',
          streamEpoch: 'e',
          sequence,
          tsMs: 5000 + sequence,
          firstTsMs: 5000 + sequence,
          lastTsMs: 5000 + sequence,
          count: 1,
          boxes: [{ x1: box[0], y1: box[1], x2: box[2], y2: box[3] }],
          scores: [0.8],
          classNames: [className],
          frameWidth: 320,
          frameHeight: 240,
        }),
      );
    flag('vanish', 10, [20, 30, 70, 180], 'person', 'track-without-detection');
    flag('flip', 20, [40, 40, 90, 200], 'person', 'class-flip');
    flag('rejected', 20, [0, 0, 10, 10], 'person', 'impossible-motion');
    flag('no-image', 99, [0, 0, 10, 10], 'person', 'track-without-detection');
    confirm(flags, 'vanish');
    confirm(flags, 'flip');
    confirm(flags, 'no-image');
    flags.applyReview({
      flagId: 'rejected',
      cameraId: 'cam-1',
      decision: ReviewStatus.REVIEW_STATUS_REJECTED,
      note: '',
      reviewer: 'o',
      tsMs: 1,
      reviewId: 'rr',
      revision: 0,
    });
  });

  it("exports confirmed flags with their boxes, the frame's other detections and low-confidence samples", async () => {
    const result = await exporter.export({
      cameraIds: [],
      rules: [],
      fromMs: 0,
      toMs: 0,
      lowConfidenceBelow: 0.5,
      maxImages: 100,
    });
    assert.deepEqual([result.images, result.flags, result.flagsWithoutImage, result.lowConfidenceImages], [3, 2, 1, 1]);
    const coco = JSON.parse(readFileSync(join(result.path, 'annotations.json'), 'utf8')) as CocoDataset;
    assert.deepEqual(cocoProblems(coco), []);
    assert.deepEqual(readdirSync(join(result.path, 'images')).sort(), [
      'cam-1_e_10.jpg',
      'cam-1_e_20.jpg',
      'cam-1_e_30.jpg',
    ]);
    const vanish = coco.annotations.find((a) => a.va_flag_id === 'vanish');
    assert.deepEqual(vanish?.bbox, [20, 30, 50, 150], 'x1,y1,x2,y2 -> x,y,w,h');
    assert.equal(coco.categories.find((c) => c.id === vanish?.category_id)?.name, 'person');
    const frame20 = coco.images.find((i) => i.va_sequence === 20)!;
    const on20 = coco.annotations.filter((a) => a.image_id === frame20.id);
    assert.deepEqual(
      on20.map((a) => a.va_source).sort(),
      ['detection', 'flag'],
      'the flipped person once, the dog as a pre-label',
    );
    assert.ok(!coco.annotations.some((a) => a.va_flag_id === 'rejected'));
    const sample = coco.annotations.filter(
      (a) => a.image_id === coco.images.find((i) => i.va_source === 'low-confidence')!.id,
    );
    assert.equal(sample.length, 2);
    assert.deepEqual(sample.find((a) => a.score === 0.9)?.bbox, [300, 200, 20, 40], 'clipped to the 320x240 image');
    assert.equal(sample.find((a) => a.score === 0.2)?.va_low_confidence, true);
    assert.deepEqual(
      coco.categories.map((c) => c.name),
      ['car', 'dog', 'person'],
    );
    const skipped = JSON.parse(readFileSync(join(result.path, 'skipped.json'), 'utf8')) as Array<{ flag_id: string }>;
    assert.deepEqual(
      skipped.map((s) => s.flag_id),
      ['no-image'],
    );
  });

  it('honours filters and the image limit, and keeps only the newest exports', async () => {
    const onlyFlip = await exporter.export({
      cameraIds: ['cam-1'],
      rules: ['class-flip'],
      fromMs: 0,
      toMs: 0,
      lowConfidenceBelow: 0,
      maxImages: 10,
    });
    assert.deepEqual([onlyFlip.images, onlyFlip.flags], [1, 1]);
    const limited = await exporter.export({
      cameraIds: [],
      rules: [],
      fromMs: 0,
      toMs: 0,
      lowConfidenceBelow: 0.5,
      maxImages: 1,
    });
    assert.equal(limited.images, 1);
    const none = await exporter.export({
      cameraIds: ['cam-9'],
      rules: [],
      fromMs: 0,
      toMs: 0,
      lowConfidenceBelow: 0.5,
      maxImages: 10,
    });
    assert.equal(none.images, 0);
    assert.equal(readdirSync(join(root, 'exports')).length, 2);
  });
});
