import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { IngestMetrics } from './ingest-metrics.js';
import { StreamCounters } from './stream-counters.js';

describe('stream counters', () => {
  it('count for the status what the Prometheus counters count', async () => {
    const registry = new Registry();
    const counters = new StreamCounters('cam-1', new IngestMetrics(registry, 'va_ingest_'));
    counters.read(1000);
    counters.read(1040);
    counters.read(1080);
    counters.published(500, 1000, 1010);
    counters.gated();
    counters.dropped('disconnected');
    counters.dropped('disconnected');
    const status = counters.status();
    assert.deepEqual(
      {
        read: status.framesRead,
        published: status.framesPublished,
        bytes: status.bytesPublished,
        gated: status.framesGated,
        dropped: status.framesDropped,
        last: status.lastFrameTsMs,
      },
      { read: 3, published: 1, bytes: 500, gated: 1, dropped: 2, last: 1080 },
    );
    assert.deepEqual(status.framesDroppedByReason, { disconnected: 2 });
    const text = await registry.metrics();
    assert.match(text, /va_ingest_frames_read_total\{camera="cam-1"\} 3/);
    assert.match(text, /va_ingest_frames_dropped_total\{camera="cam-1",reason="disconnected"\} 2/);
  });
});
