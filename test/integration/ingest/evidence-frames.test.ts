// Ingest keeps the frames it published for a short while and serves one on request as JPEG
// (va.evidence-frame.<camera>), so sanity-check gets evidence images without receiving every
// raw frame. Real ffmpeg, real nats-server with the services' own users and permissions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import sharp from 'sharp';
import { readEvidenceFrameAnswer, subjects, type EvidenceFrameAnswer } from '@va/common';
import type { Frame } from '@va/proto/va/common/v1/frame';
import { IngestFrameSource } from '../../../services/sanity-check/src/evidence/ingest-frame-source.js';
import { CLIP, fileUrl, isState, StreamState, tapFrames } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { sharedFile } from '@va/harness/shared';

const CAMERA = 'lot-evidence';
// 416x416 RGB frames are about 519 KB: one MiB per camera keeps two of them.
const RING_ENV = { VA_INGEST_FRAME_RING_CAMERA_MB: '1', VA_INGEST_FRAME_RING_MAX_MB: '8' };

describe('evidence frames served by ingest from its ring of published frames', { timeout: 300_000 }, () => {
  const fx = ingestFixture(RING_ENV);
  let sanity: NatsConnection;
  let published: Frame[];
  let epoch: string;

  const ask = async (camera: string, body: Uint8Array): Promise<EvidenceFrameAnswer> =>
    readEvidenceFrameAnswer(await sanity.request(subjects.evidenceFrame(camera), body, { timeout: 30_000 }));
  // sanity-check's own client for well-formed requests.
  const askFor = (sequence: number, streamEpoch = epoch, cameraId = CAMERA) =>
    new IngestFrameSource(sanity, 30_000).fetch({ cameraId, streamEpoch, sequence }, 95);

  before(async () => {
    // Asked as sanity-check asks: its own user, whose replies come to its own inbox.
    sanity = await connect(fx.nats.clientOptions('sanity-check'));
    const tap = await tapFrames(fx.nats.url, CAMERA, true);
    await fx.ingest.add({
      cameraId: CAMERA,
      url: fileUrl(sharedFile(CLIP)),
      targetFps: 1,
      width: 416,
      height: 416,
      letterbox: true,
    });
    const done = await fx.ingest.waitFor(CAMERA, isState(StreamState.STREAM_STATE_COMPLETED), 'completed', 120_000);
    await tap.nc.flush();
    await tap.close();
    published = tap.frames;
    epoch = done.streamEpoch;
    assert.equal(published.length, done.framesPublished, 'the tap saw every published frame');
    assert.ok(published.length > 3, `frames published: ${published.length}`);
  });

  after(async () => {
    await sanity?.close();
  });

  it('serves the newest frame as JPEG in source pixels, the letterbox padding cut away, matching what it published', async () => {
    const last = published[published.length - 1] as Frame;
    const answer = await askFor(last.sequence);
    assert.equal(answer.status, 'ok', JSON.stringify(answer.status === 'ok' ? {} : answer));
    if (answer.status !== 'ok') return;
    assert.deepEqual([answer.width, answer.height], [last.sourceWidth, last.sourceHeight]);
    const served = await sharp(answer.jpeg).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([served.info.width, served.info.height, served.info.format], [768, 432, 'raw']);
    // The published frame's picture (416x234 between 91 rows of padding), scaled to the source size.
    const lb = last.letterbox;
    assert.ok(lb);
    const expected = await sharp(last.pixels, { raw: { width: 416, height: 416, channels: 3 } })
      .extract({ left: Math.round(lb.padX), top: Math.round(lb.padY), width: 416, height: 234 })
      .resize(768, 432, { fit: 'fill' })
      .raw()
      .toBuffer();
    let diff = 0;
    let n = 0;
    for (let i = 0; i < expected.length; i += 31, n++)
      diff += Math.abs((served.data[i] as number) - (expected[i] as number));
    assert.ok(diff / n < 4, `served frame differs from the published one by ${(diff / n).toFixed(2)} per sample`);
    assert.equal(await fx.ingest.metric('va_ingest_evidence_requests_total', { status: 'ok' }), 1);
  });

  it('answers aged_out for a frame pushed out of the bounded ring, and counts the evictions', async () => {
    const answer = await askFor(published[0]!.sequence);
    assert.equal(answer.status, 'aged_out');
    assert.match(answer.status === 'aged_out' ? answer.error : '', /no longer kept/);
    const evicted = await fx.ingest.metric('va_ingest_frame_ring_evictions_total', { reason: 'camera_bytes' });
    assert.equal(evicted, published.length - 2, 'one MiB per camera holds the last two frames');
    assert.equal(await fx.ingest.metric('va_ingest_frame_ring_frames'), 2);
  });

  it('answers unknown_camera, not_published and another epoch clearly', async () => {
    // Ingest listens only for the cameras it has frames of: a camera nobody holds gets "no responders" at once.
    const unknown = await askFor(0, epoch, 'nobody-here');
    assert.equal(unknown.status, 'unknown_camera');
    assert.match(
      unknown.status === 'unknown_camera' ? unknown.error : '',
      /no ingest holds frames of camera nobody-here/,
    );
    assert.equal((await askFor(published[published.length - 1]!.sequence + 5)).status, 'not_published');
    assert.equal((await askFor(published[published.length - 1]!.sequence, 'an-older-epoch')).status, 'aged_out');
  });

  it('answers a malformed request with bad_request and says why', async () => {
    for (const [body, why] of [
      [new TextEncoder().encode('frame 12 please'), /not JSON/],
      [new TextEncoder().encode('{"streamEpoch":"e","sequence":-3,"quality":90}'), /sequence/],
      [new Uint8Array(4096), /at most/],
    ] as const) {
      const answer = await ask(CAMERA, body);
      assert.equal(answer.status, 'bad_request');
      assert.match(answer.status === 'bad_request' ? answer.error : '', why);
    }
    // Still serving afterwards.
    assert.equal((await askFor(published[published.length - 1]!.sequence)).status, 'ok');
    assert.deepEqual(fx.nats.permissionViolations(), [], 'ingest answered through the permissions it is given');
  });
});
