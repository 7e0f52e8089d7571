import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, unary } from '@va/common';
import { ModelStatusRequest } from '@va/proto/va/inference/v1/inference';
import { StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { ReviewStatus } from '@va/proto/va/common/v1/flag';
import { ExportLabelingSetRequest, ListFlagsRequest, ReviewFlagRequest } from '@va/proto/va/sanity/v1/sanity';
import { SearchEventsRequest } from '@va/proto/va/search/v1/search';
import { SetZonesRequest, TrackingServiceClient } from '@va/proto/va/tracking/v1/tracking';
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';
import { sleep } from '@va/harness/ports';
import { ruleCount, startPrometheus, type PromSeries, type TestPrometheus } from '@va/harness/prometheus';
import { dashboardQueries, withGrafanaVariables, type DashboardQuery } from '../../helpers/promql.js';
import { sharedDir } from '@va/harness/shared';
import { startWholePipeline, type WholePipeline } from '@va/harness/whole-pipeline';

// Grafana's $__rate_interval for a 1 s scrape interval is at least 4 scrapes; 10 s keeps rates smooth over a short run.
const RATE_WINDOW = '10s';
const hasData = (series: PromSeries[]) => series.some((s) => s.values.some(([, v]) => Number.isFinite(Number(v))));

/**
 * A real Prometheus scrapes the five services (processes on free ports) while real clips flow
 * through the pipeline; then every query of every provisioned dashboard must return data over
 * the run. A query with `emptyWhen` may return nothing (it documents why: e.g. no frame dropped,
 * no GPU on this host); it must still run without error, and the test lists which were empty.
 */
describe('every dashboard query returns data from a running pipeline', { timeout: 420_000 }, () => {
  let w: WholePipeline;
  let prom: TestPrometheus;
  let trackingClient: TrackingServiceClient | undefined;
  let startS = 0;

  before(async () => {
    w = await startWholePipeline('observe-live', {
      fileRoot: sharedDir(),
      env: {
        // The dead camera below is on loopback, which ingest refuses unless allowed.
        ingest: { VA_INGEST_ALLOW_LOCAL_NETWORK: 'true' },
        // Small drift and latency windows so a minute of video fills them (defaults need thousands of detections).
        'sanity-check': {
          VA_SANITY_DRIFT_BASELINE: '50',
          VA_SANITY_DRIFT_WINDOW: '50',
          VA_SANITY_DRIFT_EVAL_EVERY: '10',
          VA_SANITY_LATENCY_WINDOW: '20',
          VA_SANITY_LATENCY_EVAL_EVERY: '5',
        },
      },
    });
    prom = await startPrometheus(Object.fromEntries(SERVICE_NAMES.map((n) => [n, w.pipeline.settings.ports[n].http])));
    startS = Date.now() / 1000;
  });

  after(async () => {
    trackingClient?.close();
    await prom?.stop();
    await w?.dispose();
  });

  it('scrapes every service, evaluates every rule without error, and fills every dashboard panel', async (t) => {
    const {
      ingest: ingestClient,
      inference: inferenceClient,
      search: searchClient,
      sanity: sanityClient,
    } = w.pipeline.clients;
    // Zones are an operator's setting; the launcher's tracking client is a viewer.
    trackingClient = createClient(TrackingServiceClient, {
      address: w.pipeline.addresses.tracking,
      token: w.pipeline.settings.tokens.operator,
    });

    // What an operator configures: a zone over the whole parking lot and a counting line across it.
    const frame = [
      { x: 0, y: 0 },
      { x: 768, y: 0 },
      { x: 768, y: 432 },
      { x: 0, y: 432 },
    ];
    await unary(
      trackingClient.setZones.bind(trackingClient),
      SetZonesRequest.fromPartial({
        cameraId: 'parking',
        zones: [{ zoneId: 'lot', polygon: frame }],
        lines: [{ lineId: 'middle', a: { x: 384, y: 0 }, b: { x: 384, y: 432 } }],
      }),
      { deadlineMs: 10_000 },
    );

    // People walking (embeddings), cars (many detections), and a test pattern at 15 fps that
    // loads the 2-core machine's single inference thread.
    const streams = [
      {
        cameraId: 'lobby',
        url: `file://${sharedDir()}/data/video/indoor-people_768x432.mp4`,
        targetFps: 4,
        loop: true,
        realtime: true,
      },
      {
        cameraId: 'parking',
        url: `file://${sharedDir()}/data/video/parking-lot-cars_768x432.mp4`,
        targetFps: 5,
        loop: true,
        realtime: true,
      },
      { cameraId: 'pattern', url: 'testsrc://testsrc2?size=640x360&rate=15', targetFps: 15 },
      // A dead camera: nothing listens on the discard port, so ingest keeps reconnecting with backoff.
      { cameraId: 'dead', url: 'rtsp://127.0.0.1:9/none', targetFps: 5 },
    ];
    for (const spec of streams)
      await unary(
        ingestClient.addStream.bind(ingestClient),
        { spec: StreamSpec.fromPartial(spec) },
        { deadlineMs: 10_000 },
      );

    const queries = dashboardQueries();
    assert.ok(queries.length > 100, `only ${queries.length} dashboard queries`);
    const results = new Map<DashboardQuery, boolean>();
    const missing = () => queries.filter((q) => !q.emptyWhen && !results.get(q));
    const deadline = Date.now() + 240_000;
    let reviewed = false;
    // Poll until every query that must have data has it (the pipeline needs a few seconds to fill
    // histograms, windows and Elasticsearch), with gRPC traffic for the RPC latency panels.
    for (;;) {
      await unary(inferenceClient.modelStatus.bind(inferenceClient), ModelStatusRequest.fromPartial({}), {
        deadlineMs: 10_000,
      });
      await unary(searchClient.searchEvents.bind(searchClient), SearchEventsRequest.fromPartial({ pageSize: 10 }), {
        deadlineMs: 10_000,
      });
      if (!reviewed) {
        // A reviewer confirms the first flag and exports the labeling set: the review panels.
        const { flags } = await unary(
          sanityClient.listFlags.bind(sanityClient),
          ListFlagsRequest.fromPartial({ pageSize: 1 }),
          { deadlineMs: 10_000 },
        );
        if (flags[0]) {
          await unary(
            sanityClient.reviewFlag.bind(sanityClient),
            ReviewFlagRequest.fromPartial({
              flagId: flags[0].flagId,
              decision: ReviewStatus.REVIEW_STATUS_CONFIRMED,
              note: 'observability test',
            }),
            { deadlineMs: 10_000 },
          );
          await unary(
            sanityClient.exportLabelingSet.bind(sanityClient),
            ExportLabelingSetRequest.fromPartial({ maxImages: 5 }),
            { deadlineMs: 60_000 },
          );
          reviewed = true;
        }
      }
      const endS = Date.now() / 1000;
      for (const q of queries) {
        if (results.get(q)) continue;
        results.set(q, hasData(await prom.queryRange(withGrafanaVariables(q.expr, RATE_WINDOW), startS, endS)));
      }
      if (missing().length === 0 || Date.now() > deadline) break;
      await sleep(5_000);
    }

    const targets = await prom.api<{
      activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }>;
    }>('targets');
    assert.deepEqual(
      targets.activeTargets.map((a) => `${a.labels.job}: ${a.health} ${a.lastError}`.trim()).sort(),
      SERVICE_NAMES.map((job) => `${job}: up`).sort(),
    );
    const rules = await prom.api<{
      groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>;
    }>('rules');
    const unhealthy = rules.groups.flatMap((g) =>
      g.rules.filter((r) => r.health !== 'ok').map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`),
    );
    assert.deepEqual(unhealthy, [], 'every recording and alert rule evaluates without error');
    assert.equal(
      rules.groups.flatMap((g) => g.rules).length,
      ruleCount(),
      'Prometheus loaded every rule of deploy/prometheus/rules',
    );

    const allowedEmpty = queries.filter((q) => q.emptyWhen && !results.get(q));
    for (const q of allowedEmpty)
      t.diagnostic(`empty (allowed: ${q.emptyWhen}): ${q.dashboard} / ${q.panel}: ${q.expr}`);
    t.diagnostic(
      `${queries.length - allowedEmpty.length} of ${queries.length} dashboard queries returned data; ${allowedEmpty.length} empty with a documented reason`,
    );
    assert.deepEqual(
      missing().map((q) => `${q.dashboard} / ${q.panel}: ${q.expr}`),
      [],
      'dashboard queries without data (and without an emptyWhen reason)',
    );
  });
});
