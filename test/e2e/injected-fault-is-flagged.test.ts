// Faults injected upstream travel the whole pipeline and come out as searchable flags: a camera
// sending a flat "no signal" picture through the real ingest, and a detector output with an
// impossible box published straight onto VA_DETECTIONS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codecs, STREAMS, subjects } from '@va/common';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';
import { patternStream } from '@va/harness/pipeline/camera-streams';
import { scrapePipeline } from '@va/harness/pipeline/pipeline-scrape';
import { waitFor } from '@va/harness/ports';
import { readStored } from '@va/harness/tracking-service';
import { startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';

interface FlagDoc {
  flag_id: string;
  rule: string;
  subject?: string;
  severity: string;
  camera_id: string;
  message: string;
  evidence: Record<string, number>;
  boxes?: unknown[];
}

describe('a fault injected upstream is flagged by sanity-check and searchable in Elasticsearch', () => {
  let w: WholePipeline;
  before(async () => {
    w = await startWholePipeline('fault-flag');
  });
  after(async () => {
    await w?.dispose();
  });

  /** Waits for flags of `rule` for `camera` in Elasticsearch and returns them with the ones on VA_FLAGS. */
  async function searchableFlags(camera: string, rule: string): Promise<{ docs: FlagDoc[]; published: string[] }> {
    const docs = await waitFor(
      async () => {
        await w.es.indices.refresh({ index: `${w.prefix}-flags`, ignore_unavailable: true, allow_no_indices: true });
        const res = await w.es.search<FlagDoc>({
          index: `${w.prefix}-flags`,
          ignore_unavailable: true,
          allow_no_indices: true,
          query: { bool: { filter: [{ term: { camera_id: camera } }, { term: { rule } }] } },
        });
        const found = res.hits.hits.map((h) => h._source as FlagDoc);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `a ${rule} flag for ${camera} in Elasticsearch` },
    );
    const published = await readStored(w.bus, STREAMS.flags.name, subjects.flags(camera), (b) => codecs.flag.decode(b));
    return { docs, published: published.filter((f) => f.rule === rule).map((f) => f.flagId) };
  }

  it('a camera sending a flat grey picture (ffmpeg test pattern through ingest) raises a severity-1 blank-camera flag', async () => {
    await w.addStream(patternStream('no-signal', 'color', { fps: 5 }));
    const { docs, published } = await searchableFlags('no-signal', 'dark-or-blank-frame');
    const flag = docs.find((d) => d.subject?.includes('blank'));
    assert.ok(flag, `a blank flag among ${JSON.stringify(docs.map((d) => d.subject))}`);
    assert.equal(flag.severity, 'act_now');
    assert.ok(published.includes(flag.flag_id), 'the indexed flag is the one sanity-check published');
    assert.ok(
      flag.evidence.luma_stddev !== undefined && flag.evidence.luma_stddev <= 3,
      `evidence carries the measured spread: ${JSON.stringify(flag.evidence)}`,
    );
  });

  it("the flagged frame's image is fetched from ingest, and sanity-check receives no raw frames", async () => {
    const sanityMetric = async (name: string, labels: Record<string, string> = {}) =>
      (await scrapePipeline(w.pipeline)).metrics['sanity-check']?.sum(name, labels) ?? 0;
    const written = await waitFor(
      async () => ((await sanityMetric('va_sanity_evidence_writes_total', { kind: 'flag' })) >= 1 ? true : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: 'an evidence image for the blank-camera flag',
      },
    ).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}; evidence missing by reason: ${await sanityMetric('va_sanity_evidence_missing_total')} (${await w.frameJourney('no-signal')})`,
      );
    });
    assert.ok(written);
    // nats-server's own view: no connection of sanity-check's user holds a subscription to raw frames.
    const connz = (await (await fetch(`${w.nats.monitorUrl}/connz?auth=true&subs=true`)).json()) as {
      connections: Array<{ authorized_user?: string; subscriptions_list?: string[]; out_bytes: number }>;
    };
    const sanity = connz.connections.filter((c) => c.authorized_user === 'sanity-check');
    assert.ok(sanity.length > 0, 'sanity-check is connected');
    assert.ok(
      sanity.some((c) => (c.subscriptions_list ?? []).length > 0),
      'connz lists its subscriptions',
    );
    for (const c of sanity)
      assert.deepEqual(
        (c.subscriptions_list ?? []).filter((s) => s.startsWith('va.frames')),
        [],
        `sanity-check subscriptions: ${c.subscriptions_list?.join(', ')}`,
      );
    assert.deepEqual(
      w.nats.permissionViolations(),
      [],
      'evidence requests and answers stay within the NATS permissions',
    );
  });

  it('a detection batch with an inverted box, published on VA_DETECTIONS, raises an invalid-box flag', async () => {
    const camera = 'injected';
    const now = Date.now();
    for (let sequence = 0; sequence < 3; sequence++) {
      const batch = DetectionBatch.fromPartial({
        cameraId: camera,
        sequence,
        captureTsMs: now + 200 * sequence,
        detectedTsMs: now + 200 * sequence + 30,
        frameWidth: 768,
        frameHeight: 576,
        streamEpoch: 'injected-epoch',
        detector: { name: 'yolox_nano', version: '1' },
        // x2 < x1: a decoder bug's output, zero area.
        detections: [{ box: { x1: 300, y1: 100, x2: 250, y2: 220 }, score: 0.9, classId: 0, className: 'person' }],
      });
      await w.bus.js.publish(subjects.detections(camera), codecs.detectionBatch.encode(batch), {
        msgID: `${camera}:injected-epoch:${sequence}`,
      });
    }
    const { docs, published } = await searchableFlags(camera, 'invalid-box');
    const flag = docs[0] as FlagDoc;
    assert.equal(flag.severity, 'act_today');
    assert.ok(published.includes(flag.flag_id), 'the indexed flag is the one sanity-check published');
    assert.ok((flag.boxes ?? []).length > 0, 'the offending box is kept as evidence');
  });
});
