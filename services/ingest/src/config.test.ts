import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { loadIngestConfig } from './config.js';

describe('ingest configuration', () => {
  it('has safe defaults: no files, no local network, no redirects or playlists, raw RGB', () => {
    const c = loadIngestConfig({ PATH: process.env.PATH });
    assert.equal(c.fileRoot, undefined);
    assert.equal(c.allowLocalNetwork, false);
    assert.equal(c.allowHttpRedirects, false);
    assert.equal(c.allowPlaylists, false);
    assert.equal(c.defaultPixelFormat, PixelFormat.PIXEL_FORMAT_RGB24);
    assert.deepEqual(c.allowedSchemes, ['rtsp', 'rtsps', 'http', 'https', 'file', 'testsrc']);
  });

  it('names every bad key at once', () => {
    try {
      loadIngestConfig({
        PATH: process.env.PATH,
        VA_INGEST_ALLOWED_SCHEMES: 'rtsp,gopher',
        VA_INGEST_FILE_ROOT: '/no/such/folder',
        VA_INGEST_FFMPEG_PATH: '/no/ffmpeg',
        VA_INGEST_MAX_FPS: '0',
        VA_INGEST_BACKOFF_INITIAL_MS: '5000',
        VA_INGEST_BACKOFF_MAX_MS: '1000',
      });
      assert.fail('accepted a bad configuration');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.key).sort(), [
        'VA_INGEST_ALLOWED_SCHEMES',
        'VA_INGEST_FFMPEG_PATH',
        'VA_INGEST_FILE_ROOT',
        'VA_INGEST_MAX_FPS',
      ]);
    }
  });

  it('reads the motion gate defaults (off) and bounds them', () => {
    const c = loadIngestConfig({ PATH: process.env.PATH });
    assert.deepEqual(c.defaultMotionGate, {
      enabled: false,
      pixelThreshold: 25,
      minChangedShare: 0.003,
      forceDetectEveryMs: 2000,
    });
    const on = loadIngestConfig({
      PATH: process.env.PATH,
      VA_INGEST_MOTION_GATE: 'true',
      VA_INGEST_MOTION_MIN_CHANGED_SHARE: '0.01',
    });
    assert.deepEqual(on.defaultMotionGate, {
      enabled: true,
      pixelThreshold: 25,
      minChangedShare: 0.01,
      forceDetectEveryMs: 2000,
    });
    try {
      loadIngestConfig({
        PATH: process.env.PATH,
        VA_INGEST_MOTION_PIXEL_THRESHOLD: '0',
        VA_INGEST_MOTION_MIN_CHANGED_SHARE: '0',
        VA_INGEST_MOTION_FORCE_DETECT_MS: '50',
      });
      assert.fail('accepted a bad motion gate');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.issues.map((i) => i.key).sort(), [
        'VA_INGEST_MOTION_FORCE_DETECT_MS',
        'VA_INGEST_MOTION_MIN_CHANGED_SHARE',
        'VA_INGEST_MOTION_PIXEL_THRESHOLD',
      ]);
    }
  });
});
