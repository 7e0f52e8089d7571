import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { unary } from '@va/common';
import { CLIP, fileUrl, streamSpec } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { codeOf } from '../../helpers/grpc.js';
import { sharedFile } from '@va/harness/shared';

describe('IngestService API: roles and input validation (real process, default security settings)', () => {
  const fx = ingestFixture({
    VA_INGEST_ALLOW_LOCAL_NETWORK: 'false',
    VA_INGEST_MAX_STREAMS: '2',
    VA_INGEST_MAX_FPS: '30',
  });

  const add = (spec: Parameters<typeof streamSpec>[0], client = fx.ingest.operator) =>
    codeOf(unary(client.addStream.bind(client), { spec: streamSpec(spec) }));
  const pattern = 'testsrc://smptebars?size=160x90&rate=5';

  it('lets viewers read but not change streams', async () => {
    assert.equal(await add({ cameraId: 'v1', url: pattern }, fx.ingest.viewer), status.PERMISSION_DENIED);
    assert.equal(
      await codeOf(unary(fx.ingest.viewer.removeStream.bind(fx.ingest.viewer), { cameraId: 'v1' })),
      status.PERMISSION_DENIED,
    );
    assert.equal(await codeOf(unary(fx.ingest.viewer.listStreams.bind(fx.ingest.viewer), {})), 'OK');
    assert.equal(await add({ cameraId: 'ok-1', url: pattern }), 'OK');
    assert.equal(await codeOf(unary(fx.ingest.viewer.getStream.bind(fx.ingest.viewer), { cameraId: 'ok-1' })), 'OK');
  });

  it('refuses bad specs with INVALID_ARGUMENT and a reason', async () => {
    const cases: Array<[string, Parameters<typeof streamSpec>[0]]> = [
      ['bad camera id', { cameraId: 'a b', url: pattern }],
      ['unknown scheme', { cameraId: 'c1', url: 'gopher://example.com/x' }],
      ['rtmp not allowed', { cameraId: 'c1', url: 'rtmp://example.com/live' }],
      ['loopback camera', { cameraId: 'c1', url: 'rtsp://127.0.0.1:554/stream' }],
      ['private-network camera', { cameraId: 'c1', url: 'http://192.168.1.20/mjpeg' }],
      ['localhost by name', { cameraId: 'c1', url: 'rtsp://localhost/stream' }],
      ['file outside the root', { cameraId: 'c1', url: 'file:///etc/passwd' }],
      ['width without height', { cameraId: 'c1', url: pattern, width: 320 }],
      ['too large', { cameraId: 'c1', url: pattern, width: 100_000, height: 100 }],
      ['fps above the maximum', { cameraId: 'c1', url: pattern, targetFps: 120 }],
      ['negative fps', { cameraId: 'c1', url: pattern, targetFps: -1 }],
      ['letterbox without size', { cameraId: 'c1', url: pattern, letterbox: true }],
      ['loop on a live source', { cameraId: 'c1', url: pattern, loop: true }],
      ['unknown pattern', { cameraId: 'c1', url: 'testsrc://nothing?size=160x90' }],
      ['jpeg quality out of range', { cameraId: 'c1', url: pattern, pixelFormat: 3, jpegQuality: 101 }],
      [
        'motion mask point outside the picture',
        {
          cameraId: 'c1',
          url: pattern,
          motionGate: {
            enabled: true,
            pixelThreshold: 0,
            minChangedShare: 0,
            forceDetectEveryMs: 0,
            masks: [
              {
                points: [
                  { x: 0, y: 0 },
                  { x: 2, y: 0 },
                  { x: 0, y: 1 },
                ],
              },
            ],
          },
        },
      ],
      [
        'motion threshold out of range',
        {
          cameraId: 'c1',
          url: pattern,
          motionGate: { enabled: true, pixelThreshold: 300, minChangedShare: 0, forceDetectEveryMs: 0, masks: [] },
        },
      ],
    ];
    for (const [what, spec] of cases) assert.equal(await add(spec), status.INVALID_ARGUMENT, what);
    try {
      await unary(fx.ingest.operator.addStream.bind(fx.ingest.operator), {
        spec: streamSpec({ cameraId: 'c1', url: 'rtsp://127.0.0.1/x' }),
      });
      assert.fail('accepted a loopback camera');
    } catch (err) {
      assert.match((err as { details?: string }).details ?? '', /local network.*VA_INGEST_ALLOW_LOCAL_NETWORK/);
    }
  });

  it('answers ALREADY_EXISTS, NOT_FOUND and RESOURCE_EXHAUSTED where they apply', async () => {
    assert.equal(await add({ cameraId: 'ok-1', url: pattern }), status.ALREADY_EXISTS);
    assert.equal(
      await codeOf(unary(fx.ingest.viewer.getStream.bind(fx.ingest.viewer), { cameraId: 'nope' })),
      status.NOT_FOUND,
    );
    assert.equal(
      await codeOf(
        unary(fx.ingest.operator.updateStream.bind(fx.ingest.operator), {
          spec: streamSpec({ cameraId: 'nope', url: pattern }),
        }),
      ),
      status.NOT_FOUND,
    );
    assert.equal(await add({ cameraId: 'ok-2', url: fileUrl(sharedFile(CLIP)), width: 160, height: 90 }), 'OK');
    assert.equal(await add({ cameraId: 'ok-3', url: pattern }), status.RESOURCE_EXHAUSTED);
    assert.equal(
      await codeOf(unary(fx.ingest.operator.removeStream.bind(fx.ingest.operator), { cameraId: 'ok-2' })),
      'OK',
    );
    assert.equal(
      await codeOf(unary(fx.ingest.operator.removeStream.bind(fx.ingest.operator), { cameraId: 'ok-2' })),
      status.NOT_FOUND,
    );
  });
});
