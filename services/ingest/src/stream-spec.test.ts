import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { redact, SOURCE_SCHEMES } from './source-url.js';
import { validateStreamSpec, type SpecPolicy } from './stream-spec.js';

const root = mkdtempSync(join(tmpdir(), 'va-spec-'));
writeFileSync(join(root, 'clip.mp4'), 'x');
const outside = mkdtempSync(join(tmpdir(), 'va-out-'));
writeFileSync(join(outside, 'secret.mp4'), 'x');
symlinkSync(join(outside, 'secret.mp4'), join(root, 'link.mp4'));

const policy: SpecPolicy = {
  allowedSchemes: [...SOURCE_SCHEMES],
  fileRoot: root,
  allowLocalNetwork: false,
  maxWidth: 1920,
  maxHeight: 1080,
  maxFps: 30,
  defaultPixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
  defaultJpegQuality: 80,
  defaultDetectEvery: 1,
  defaultMotionGate: { enabled: false, pixelThreshold: 25, minChangedShare: 0.003, forceDetectEveryMs: 2000 },
};

const spec = (over: Partial<StreamSpec>): StreamSpec =>
  StreamSpec.fromPartial({ cameraId: 'cam-1', url: 'testsrc://testsrc2', ...over });

async function rejects(over: Partial<StreamSpec>, field: string, message: RegExp, p: SpecPolicy = policy) {
  await assert.rejects(validateStreamSpec(spec(over), p), (err: unknown) => {
    assert.ok(err instanceof InvalidArgumentError);
    assert.equal(err.field, field);
    assert.match(err.message, message);
    return true;
  });
}

describe('stream spec validation', () => {
  it('fills defaults and parses test patterns', async () => {
    const v = await validateStreamSpec(spec({ url: 'testsrc://smptebars?size=320x240&rate=15' }), policy);
    assert.equal(v.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.equal(v.spec.pixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.deepEqual(v.source, { kind: 'testsrc', pattern: 'smptebars', width: 320, height: 240, rate: 15 });
    const jpeg = await validateStreamSpec(spec({ pixelFormat: PixelFormat.PIXEL_FORMAT_JPEG }), policy);
    assert.equal(jpeg.jpegQuality, 80);
  });

  it('takes detect_every from the spec, 0 meaning the service default, and bounds it', async () => {
    assert.equal((await validateStreamSpec(spec({}), policy)).detectEvery, 1);
    const fromDefault = await validateStreamSpec(spec({}), { ...policy, defaultDetectEvery: 3 });
    assert.equal(fromDefault.detectEvery, 3);
    assert.equal(fromDefault.spec.detectEvery, 3, 'the persisted spec states the schedule it runs');
    assert.equal(
      (await validateStreamSpec(spec({ detectEvery: 2 }), { ...policy, defaultDetectEvery: 3 })).detectEvery,
      2,
    );
    await rejects({ detectEvery: 31 }, 'spec.detect_every', /detect_every must be 0 \(service default\) or 1\.\.30/);
  });

  it('takes the motion gate from the spec or the service default, fills zero fields and bounds them', async () => {
    const off = await validateStreamSpec(spec({}), policy);
    assert.equal(off.motionGate, undefined);
    assert.deepEqual(
      off.spec.motionGate,
      { enabled: false, pixelThreshold: 25, minChangedShare: 0.003, forceDetectEveryMs: 2000, masks: [] },
      'the persisted spec states the gate it runs',
    );
    const onByDefault = await validateStreamSpec(spec({}), {
      ...policy,
      defaultMotionGate: { ...policy.defaultMotionGate, enabled: true },
    });
    assert.deepEqual(onByDefault.motionGate, {
      pixelThreshold: 25,
      minChangedShare: 0.003,
      forceDetectEveryMs: 2000,
      masks: [],
    });
    const square = [
      { x: 0.1, y: 0.1 },
      { x: 0.5, y: 0.1 },
      { x: 0.5, y: 0.5 },
      { x: 0.1, y: 0.5 },
    ];
    const own = await validateStreamSpec(
      spec({
        motionGate: {
          enabled: true,
          pixelThreshold: 10,
          minChangedShare: 0,
          forceDetectEveryMs: 500,
          masks: [{ points: square }],
        },
      }),
      policy,
    );
    assert.deepEqual(own.motionGate, {
      pixelThreshold: 10,
      minChangedShare: 0.003,
      forceDetectEveryMs: 500,
      masks: [square],
    });
    const gate = (over: object) => ({
      motionGate: { enabled: true, pixelThreshold: 0, minChangedShare: 0, forceDetectEveryMs: 0, masks: [], ...over },
    });
    await rejects(gate({ pixelThreshold: 256 }), 'spec.motion_gate.pixel_threshold', /1\.\.255/);
    await rejects(gate({ minChangedShare: 1.5 }), 'spec.motion_gate.min_changed_share', /\(0, 1\]/);
    await rejects(gate({ minChangedShare: Number.NaN }), 'spec.motion_gate.min_changed_share', /\(0, 1\]/);
    await rejects(gate({ forceDetectEveryMs: 50 }), 'spec.motion_gate.force_detect_every_ms', /100\.\.3600000/);
    await rejects(gate({ masks: [{ points: square.slice(0, 2) }] }), 'spec.motion_gate.masks[0]', /3\.\.64 points/);
    await rejects(
      gate({ masks: [{ points: [...square.slice(0, 3), { x: 1.2, y: 0 }] }] }),
      'spec.motion_gate.masks[0]',
      /0\.\.1/,
    );
    await rejects(gate({ masks: Array(17).fill({ points: square }) }), 'spec.motion_gate.masks', /at most 16/);
  });

  it('allows files only under the root, symlinks resolved', async () => {
    const ok = await validateStreamSpec(spec({ url: `file://${join(root, 'clip.mp4')}`, loop: true }), policy);
    assert.equal(ok.source.kind, 'file');
    await rejects({ url: `file://${join(root, 'link.mp4')}` }, 'spec.url', /is not a file under VA_INGEST_FILE_ROOT/);
    await rejects(
      { url: `file://${join(root, '..', 'x.mp4')}` },
      'spec.url',
      /is not a file under VA_INGEST_FILE_ROOT/,
    );
    await rejects({ url: `file://${join(root, 'clip.mp4')}` }, 'spec.url', /file: sources are off/, {
      ...policy,
      fileRoot: undefined,
    });
  });

  it('gives one answer for a missing file and a refused one, so existence outside the root never shows', async () => {
    const message = async (path: string) => {
      try {
        await validateStreamSpec(spec({ url: `file://${path}` }), policy);
      } catch (err) {
        assert.ok(err instanceof InvalidArgumentError);
        return err.message.replace(path, '<path>');
      }
      assert.fail(`accepted ${path}`);
    };
    const refused = [join(outside, 'secret.mp4'), join(root, 'link.mp4'), outside, root, '/etc/passwd'];
    const missing = [
      join(outside, 'nothing.mp4'),
      join(root, 'nothing.mp4'),
      join(root, 'dangling.mp4'),
      '/no/such/file.mp4',
    ];
    symlinkSync(join(outside, 'gone.mp4'), join(root, 'dangling.mp4'));
    const expected = await message(missing[0]!);
    assert.equal(expected, 'file <path> is not a file under VA_INGEST_FILE_ROOT');
    for (const path of [...refused, ...missing]) assert.equal(await message(path), expected, path);
  });

  it('enforces the scheme allow-list and the local-network rule', async () => {
    await rejects({ url: 'ftp://example.com/a' }, 'spec.url', /not supported/);
    await rejects({ url: 'http://example.com/a' }, 'spec.url', /not allowed here/, {
      ...policy,
      allowedSchemes: ['rtsp'],
    });
    await rejects({ url: 'rtsp://10.1.2.3/stream' }, 'spec.url', /local network/);
    await rejects({ url: 'rtsp://[::1]/stream' }, 'spec.url', /local network/);
    const local = await validateStreamSpec(spec({ url: 'rtsp://10.1.2.3/stream' }), {
      ...policy,
      allowLocalNetwork: true,
    });
    assert.equal(local.source.kind, 'rtsp');
  });

  it('bounds sizes, rates and options', async () => {
    await rejects({ width: 640 }, 'spec.width', /both/);
    await rejects({ width: 4000, height: 100 }, 'spec.width', /16\.\.1920/);
    await rejects({ targetFps: 31 }, 'spec.target_fps', /up to 30/);
    await rejects({ targetFps: Number.NaN }, 'spec.target_fps', /target_fps/);
    await rejects({ letterbox: true }, 'spec.letterbox', /width and height/);
    await rejects({ realtime: true }, 'spec.realtime', /file sources only/);
    await rejects({ pixelFormat: 9 as PixelFormat }, 'spec.pixel_format', /RGB24/);
    await rejects({ url: 'testsrc://testsrc2?size=9999x9999' }, 'spec.url', /between/);
    await rejects({ labels: { 'bad key': 'x' } }, 'spec.labels', /label key/);
    await rejects({ cameraId: 'a.b' }, 'spec.camera_id', /must match/);
  });

  it('redacts passwords', () => {
    assert.equal(redact('rtsp://user:pw@cam/x'), 'rtsp://user:***@cam/x');
    assert.equal(redact('rtsp://cam/x?a=b@c'), 'rtsp://cam/x?a=b@c');
    assert.equal(
      redact('[tcp] rtsp://admin:s3cr%40t@10.0.0.5:554/live: Connection refused'),
      '[tcp] rtsp://admin:***@10.0.0.5:554/live: Connection refused',
    );
  });
});
