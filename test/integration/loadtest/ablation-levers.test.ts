// bench:e2e's ablation levers (bench/e2e/ablation-levers.ts) are the pipeline's own switches: each
// lever's environment is accepted by the service it is for and changes exactly what the lever
// names, and a stream without ffmpeg's letterbox is asked for at the clip's own size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { ABLATION_LEVERS, selectLevers } from '../../../bench/e2e/ablation-levers.js';
import { clipStream, DETECTOR_INPUT } from '@va/harness/pipeline/camera-streams';
import { loadInferenceConfig } from '../../../services/batching-inference/src/config.js';
import { loadIngestConfig } from '../../../services/ingest/src/config.js';

const lever = (name: string) => {
  const l = ABLATION_LEVERS.find((x) => x.name === name);
  assert.ok(l, `lever ${name} exists`);
  return l;
};

describe('bench:e2e ablation levers', () => {
  it("each lever's environment is valid for its service and turns on what it names, the baseline nothing", () => {
    const ingest = (name: string) => loadIngestConfig({ PATH: process.env.PATH ?? '', ...lever(name).env.ingest });
    const inference = (name: string) => loadInferenceConfig(lever(name).env['batching-inference'] ?? {});
    assert.equal(ingest('baseline').defaultDetectEvery, 1);
    assert.equal(ingest('baseline').defaultMotionGate.enabled, false);
    assert.equal(inference('baseline').detector, 'yolox_nano');
    assert.equal(ingest('detect_every_2').defaultDetectEvery, 2);
    assert.equal(ingest('motion_gate').defaultMotionGate.enabled, true);
    assert.equal(inference('int8').detector, 'yolox_nano_int8');
    assert.equal(lever('threads_2').threads, 2);
    assert.equal(lever('letterbox_off').letterbox, false);
    const combined = ingest('combined');
    assert.equal(combined.defaultDetectEvery, 2);
    assert.equal(combined.defaultMotionGate.enabled, true);
    assert.equal(inference('combined').detector, 'yolox_nano_int8');
    for (const l of ABLATION_LEVERS.filter((x) => x.name !== 'letterbox_off'))
      assert.equal(l.letterbox, true, `${l.name} keeps ffmpeg's letterbox`);
  });

  it("--levers picks levers in the table's order and names the unknown ones", () => {
    assert.deepEqual(
      selectLevers('int8, baseline').map((l) => l.name),
      ['baseline', 'int8'],
    );
    assert.equal(selectLevers(undefined).length, ABLATION_LEVERS.length);
    assert.throws(() => selectLevers('baseline,gpu'), /unknown lever\(s\) gpu; known: baseline, detect_every_2/);
  });

  it('a clip stream is letterboxed to the detector input by default and left at its own size with letterbox off', () => {
    const boxed = clipStream('cam', '/clips/a.mp4', { fps: 5 });
    assert.deepEqual([boxed.width, boxed.height, boxed.letterbox], [DETECTOR_INPUT, DETECTOR_INPUT, true]);
    const full = clipStream('cam', '/clips/a.mp4', { fps: 5, letterbox: false });
    assert.deepEqual([full.width, full.height, full.letterbox], [0, 0, false]);
    assert.equal(full.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.equal(full.targetFps, 5);
  });
});
