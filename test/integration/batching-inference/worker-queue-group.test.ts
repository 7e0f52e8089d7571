import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { codecs, STREAMS, subjects } from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { startNatsServer, type TestNatsServer } from '@va/harness/nats-server';
import { waitFor } from '@va/harness/ports';
import { petsJpeg, startInference, type InferenceProcess } from './inference-fixture.js';

/** Enough that the queue group's random spread leaves no worker empty but once in 2^(FRAMES-1) runs. */
const FRAMES = 36;

describe('workers in one queue group share the frames: each frame is detected by exactly one of them', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  const workers: InferenceProcess[] = [];

  before(async () => {
    nats = await startNatsServer();
    const env = {
      VA_INFERENCE_EMBEDDER: 'none',
      VA_INFERENCE_MAX_FRAME_AGE_MS: '0',
      VA_INFERENCE_CAMERA_QUEUE: String(FRAMES),
    };
    workers.push(await startInference(nats.url, env), await startInference(nats.url, env));
    nc = await connect(nats.clientOptions());
  });

  after(async () => {
    await nc?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await nats?.dispose();
  });

  it('splits the frames between the workers, none twice, none lost', async () => {
    const jpeg = petsJpeg(1);
    for (let i = 0; i < FRAMES; i++) {
      const cameraId = `cam-${i % 3}`;
      const frame = {
        cameraId,
        sequence: i,
        captureTsMs: Date.now(),
        sourceWidth: 768,
        sourceHeight: 576,
        width: 768,
        height: 576,
        pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG,
        pixels: jpeg,
        letterbox: undefined,
        stats: undefined,
        publishTsMs: Date.now(),
        streamEpoch: 'run-1',
        skipDetection: false,
      };
      nc.publish(subjects.frames(cameraId), codecs.frame.encode(frame));
    }
    await nc.flush();
    const jsm = await nc.jetstreamManager();
    await waitFor(async () => (await jsm.streams.info(STREAMS.detections.name)).state.messages === FRAMES, {
      timeoutMs: 180_000,
      what: `${FRAMES} DetectionBatches`,
    });
    const received = await Promise.all(
      workers.map(async (w) => {
        let sum = 0;
        for (let c = 0; c < 3; c++)
          sum += (await w.metric('va_inference_frames_received_total', { camera: `cam-${c}` })) ?? 0;
        return sum;
      }),
    );
    assert.equal(
      received.reduce((x, y) => x + y, 0),
      FRAMES,
      `each frame went to one worker (${received.join(' + ')})`,
    );
    assert.ok(
      received.every((n) => n > 0),
      `every worker took frames (${received.join(' + ')})`,
    );
    const ids = new Set<string>();
    const info = await jsm.streams.info(STREAMS.detections.name);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++)
      ids.add((await jsm.streams.getMessage(STREAMS.detections.name, { seq })).header.get('Nats-Msg-Id'));
    assert.equal(ids.size, FRAMES);
  });
});
