// The load test's hop-by-hop accounting (loadtest/hop-accounting.ts) from hand-written /metrics
// texts: each hop's frames add up when every drop is counted, and a frame lost uncounted shows at
// the hop that lost it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineScrape } from '@va/harness/pipeline/pipeline-scrape';
import { MetricSet } from '@va/harness/prometheus-text';
import { describeHops, hopAccounting, trackingGaps } from '../../../loadtest/hop-accounting.js';

function scrape(t: {
  read: number;
  published: number;
  ingestShed: number;
  held: number;
  received: number;
  inferenceShed: Record<string, number>;
  pending: number;
  inFlight: number;
  detected: number;
  processed: number;
  late: number;
  shed: number;
  skipped: number;
}): PipelineScrape {
  const text = (lines: string[]) => MetricSet.parse(`${lines.join('\n')}\n`);
  return {
    atMs: 0,
    rssBytes: {},
    metrics: {
      ingest: text([
        `va_ingest_frames_read_total{camera="a"} ${t.read}`,
        `va_ingest_frames_published_total{camera="a"} ${t.published}`,
        `va_ingest_frames_dropped_total{camera="a",reason="bus_backpressure"} ${t.ingestShed}`,
        `va_ingest_held_frames ${t.held}`,
      ]),
      'batching-inference': text([
        `va_inference_frames_received_total{camera="a"} ${t.received}`,
        `va_inference_frames_published_total{camera="a"} ${t.detected}`,
        ...Object.entries(t.inferenceShed).map(
          ([reason, n]) => `va_inference_frames_dropped_total{camera="a",reason="${reason}"} ${n}`,
        ),
        `va_inference_frames_pending ${t.pending}`,
        `va_inference_frames_in_flight ${t.inFlight}`,
      ]),
      tracking: text([
        `va_tracking_frames_processed_total{camera="a"} ${t.processed}`,
        `va_tracking_reorder_drops_total{camera="a",reason="late"} ${t.late}`,
        `va_tracking_shed_frames_total{camera="a"} ${t.shed}`,
        `va_tracking_skipped_frames_total{camera="a"} ${t.skipped}`,
      ]),
    },
  };
}

const start = {
  read: 100,
  published: 60,
  ingestShed: 39,
  held: 1,
  received: 60,
  inferenceShed: { superseded: 40 },
  pending: 1,
  inFlight: 2,
  detected: 17,
  processed: 17,
  late: 0,
  shed: 80,
  skipped: 0,
};

describe('hop accounting', () => {
  it('adds up at every hop when every drop is counted, with the reasons per hop', () => {
    const end = {
      read: 400,
      published: 160,
      ingestShed: 238,
      held: 2,
      received: 160,
      inferenceShed: { superseded: 100, stale: 20, timeout: 1 },
      pending: 0,
      inFlight: 2,
      detected: 37,
      processed: 36,
      late: 1,
      shed: 340,
      skipped: 2,
    };
    const hops = hopAccounting(scrape(start), scrape(end));
    assert.deepEqual(
      hops.map((h) => [h.name, h.unaccounted]),
      [
        ['ingest', 0],
        ['bus', 0],
        ['inference', 0],
        ['tracking', 0],
      ],
      describeHops(hops),
    );
    assert.deepEqual(hops[2]?.shed, { superseded: 60, stale: 20, timeout: 1 });
    assert.deepEqual(trackingGaps(scrape(start), scrape(end)), { announced: 260, gaveUp: 2 });
  });

  it('shows frames lost uncounted at the hop that lost them', () => {
    const end = {
      read: 400,
      published: 160,
      ingestShed: 238,
      held: 2,
      received: 153,
      inferenceShed: { superseded: 100 },
      pending: 1,
      inFlight: 2,
      detected: 50,
      processed: 50,
      late: 0,
      shed: 80,
      skipped: 0,
    };
    const hops = hopAccounting(scrape(start), scrape(end));
    assert.equal(hops.find((h) => h.name === 'bus')?.unaccounted, 7, 'published but never received');
    assert.equal(hops.find((h) => h.name === 'inference')?.unaccounted, 0, 'inference accounts for what it received');
    assert.match(describeHops(hops), /bus 100 → 93, unaccounted 7/);
  });
});
