import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MalformedMessageError } from '../errors.js';
import { FrameStats, PixelFormat } from '@va/proto/va/common/v1/frame';
import { TrackEvent } from '@va/proto/va/common/v1/track';
import { codecs } from './codec.js';

describe('protobuf codecs', () => {
  it('round-trips a frame and decodes pixels as a view of the received buffer', () => {
    const pixels = new Uint8Array(64 * 48 * 3).map((_, i) => i % 251);
    const bytes = codecs.frame.encode({
      cameraId: 'cam-1',
      sequence: 42,
      captureTsMs: 1_700_000_000_123,
      sourceWidth: 640,
      sourceHeight: 480,
      width: 64,
      height: 48,
      pixelFormat: PixelFormat.PIXEL_FORMAT_RGB24,
      pixels,
      letterbox: undefined,
      stats: FrameStats.fromPartial({ meanLuma: 10, lumaStddev: 2, thumbHash: 77 }),
      publishTsMs: 1_700_000_000_200,
      streamEpoch: 'e1',
      skipDetection: false,
    });
    const frame = codecs.frame.decode(bytes, 'va.frames.cam-1');
    assert.equal(frame.sequence, 42);
    assert.equal(frame.captureTsMs, 1_700_000_000_123);
    assert.deepEqual(frame.pixels, pixels);
    assert.equal(frame.pixels.buffer, bytes.buffer, 'pixels must not be copied on decode');
  });

  it('rejects random bytes and invalid content with MalformedMessageError', () => {
    let rejected = 0;
    for (let i = 0; i < 50; i++) {
      try {
        codecs.detectionBatch.decode(randomBytes(200), 'va.detections.x');
      } catch (err) {
        assert.ok(err instanceof MalformedMessageError);
        assert.match(err.message, /va\.detections\.x/);
        rejected++;
      }
    }
    assert.equal(rejected, 50, 'every random payload must be rejected');
    const noCamera = codecs.trackEvent.encode(TrackEvent.fromPartial({ eventId: 'e', cameraId: 'bad camera' }));
    assert.throws(() => codecs.trackEvent.decode(noCamera), MalformedMessageError);
  });
});
