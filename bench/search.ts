// Benchmark of the embedding-search service's two hot paths, against the local stack's
// Elasticsearch (ES_URL) and a nats-server started here:
//
//   index_ratio       indexer docs/s (JetStream -> decode -> documents -> _bulk -> ack, the service's
//                     own SearchIndexer) / a bare client.helpers.bulk of the same documents with the
//                     same flush size and concurrency, measured side by side, alternating order
//   knn_recall_at_10  HNSW kNN top 10 (the service's mapping and default num_candidates) against
//                     exact cosine top 10 on the same vectors
//   knn_p50_ms/p99    latency of those kNN requests, one at a time
//
//   npm run bench:search -- [--quick]        last line of output is the JSON summary
//   --only=frames                            stop after the frame-traffic indexing part
//   --compare=bulk,settings                  also: the indexer with several bulk sizes, and the
//                                            recorded documents replayed under several index
//                                            settings, side by side (ratio to the first variant)
//   --compare-only                           with --compare: skip the indexer-vs-bare rounds
//   --rounds=N                               rounds of each comparison (2 quick, 4 full)
//   BENCH_DEBUG=1                            also print when each indexer run had received / acked everything
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@elastic/elasticsearch';
import {
  ConsumerMetrics,
  createLogger,
  createRegistry,
  ensureStreams,
  jetStreamLimits,
  STREAMS,
  type NatsConnectionHandle,
} from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { loadSearchConfig } from '../services/embedding-search/src/config.js';
import { ElasticsearchHealth } from '../services/embedding-search/src/elasticsearch-health.js';
import { SearchIndexer } from '../services/embedding-search/src/indexer/search-indexer.js';
import { IndexNames } from '../services/embedding-search/src/indices/index-names.js';
import { applyIndexTemplates } from '../services/embedding-search/src/indices/index-templates.js';
import { SearchMetrics } from '../services/embedding-search/src/metrics.js';
import { deletePrefix, esClient, esUrl } from '@va/harness/elasticsearch';
import { startNatsServer } from '@va/harness/nats-server';
import {
  connectPublisher,
  detectionBatch,
  flag,
  publish,
  trackEvent,
  trackUpdate,
} from '@va/harness/pipeline-messages';
import { REPO_ROOT } from '@va/harness/shared';
import { seededRandom } from '@va/harness/seeded-random';
import { median, quantile } from '@va/harness/statistics';

const quick = process.argv.includes('--quick');
const FRAME_MESSAGES = quick ? 6_000 : 24_000;
const EVENT_MESSAGES = quick ? 20_000 : 60_000;
const ROUNDS = Number(
  process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length) ?? (quick ? 2 : 4),
);
const VECTORS = quick ? 5_000 : 20_000;
const QUERIES = quick ? 100 : 300;
const DIMS = 512;
const K = 10;
const log = createLogger('bench', 'warn');
// Both sides flush by size alone (1 MB requests, 2 in flight); the indexer's flush interval is short
// because it cannot know that the last message has come, while helpers.bulk flushes at the end.
const BENCH_BULK = {
  VA_SEARCH_BULK_MAX_BYTES: String(1024 * 1024),
  VA_SEARCH_BULK_MAX_DOCS: '100000',
  VA_SEARCH_BULK_FLUSH_MS: '50',
  VA_SEARCH_BULK_CONCURRENCY: '2',
};
const search = loadSearchConfig(BENCH_BULK);
type SearchConfig = ReturnType<typeof loadSearchConfig>;
const run = Date.now().toString(36);

// ---- indexing -------------------------------------------------------------------------------

type Publish = (pub: NatsConnectionHandle) => Promise<number>;

// Every publishing run gets its own stream epoch: message ids (JetStream de-duplicates them for two
// minutes, even across a purge) and document ids differ between runs.
let epochs = 0;

/** Publishes in parallel batches (the upstream services publish concurrently from many cameras). */
async function publishAll(items: Array<() => Promise<unknown>>): Promise<number> {
  for (let i = 0; i < items.length; i += 500) await Promise.all(items.slice(i, i + 500).map((f) => withRetries(f)));
  return items.length;
}

/** A loaded machine can keep JetStream's publish ack past its timeout; the msgID makes a retry safe. */
async function withRetries(publishOne: () => Promise<unknown>, attempts = 3): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishOne();
    } catch (err) {
      if (attempt >= attempts || (err as { code?: string }).code !== 'TIMEOUT') throw err;
    }
  }
}

/**
 * The pipeline's traffic, 8 cameras at 5 fps (bench:e2e's normal load), every frame detected (the
 * default schedule): per frame and camera a DetectionBatch (6 people with 512-d embeddings) and
 * the TrackUpdate matching them; each person slot is a track that lives 40 frames (8 s), then
 * leaves the updates with an ENDED event and a new track takes the slot with a STARTED event; each
 * track enters a zone after 2 s and leaves it after 6 s; one flag per camera every 10 s. The
 * service's default policy turns this into track summaries, sampled path points (1 per second
 * plus first, last and zone points), events and flags: no per-frame detection documents.
 */
let framesPublished = 0;
const frameTraffic: Publish = (pub) => {
  const cameras = 8;
  const frames = Math.round(FRAME_MESSAGES / 2 / cameras);
  framesPublished = frames * cameras;
  const frameMs = 200;
  const life = 40;
  const t0 = Date.now() - 3_600_000;
  const r = seededRandom(7);
  const epoch = `r${epochs++}`;
  const embedding = () => Array.from(unit(Float32Array.from({ length: DIMS }, () => gaussian(r))));
  const jobs: Array<() => Promise<unknown>> = [];
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < cameras; c++) {
      const camera = `cam-${c}`;
      const ts = t0 + f * frameMs;
      const people = Array.from({ length: 6 }, (_, p) => {
        const age = (f + p * 7) % life;
        const id = `p${p}-${Math.floor((f + p * 7) / life)}`;
        return {
          id,
          age,
          firstSeen: ts - age * frameMs,
          box: { x1: p * 100 + age * 4, y1: 100, x2: p * 100 + 40 + age * 4, y2: 220 },
        };
      });
      const batch = detectionBatch(
        camera,
        f,
        ts,
        people.map((p) => ({
          box: p.box,
          score: 0.6 + r() * 0.35,
          classId: 0,
          className: 'person',
          embedding: embedding(),
        })),
        epoch,
      );
      const update = trackUpdate(
        camera,
        f,
        ts,
        people.map((p, i) => ({
          trackId: p.id,
          box: p.box,
          score: batch.detections[i]?.score ?? 0,
          hits: p.age + 1,
          detectionIndex: i,
          firstSeenTsMs: p.firstSeen,
          lastSeenTsMs: ts,
        })),
        epoch,
      );
      jobs.push(
        () => publish.detections(pub, batch),
        () => publish.tracks(pub, update),
      );
      const event = (p: (typeof people)[number], type: TrackEventType, trackId = p.id) =>
        jobs.push(() =>
          publish.event(
            pub,
            trackEvent(camera, trackId, type, ts, {
              eventId: `${epoch}:${camera}:${trackId}:${type}`,
              sequence: f,
              box: p.box,
              firstSeenTsMs: p.firstSeen,
            }),
          ),
        );
      for (const p of people) {
        if (p.age === 0) {
          event(p, TrackEventType.TRACK_EVENT_TYPE_STARTED);
          const generation = Number(p.id.split('-')[1]);
          if (generation > 0)
            event(p, TrackEventType.TRACK_EVENT_TYPE_ENDED, `${p.id.split('-')[0]}-${generation - 1}`);
        }
        if (p.age === 10) event(p, TrackEventType.TRACK_EVENT_TYPE_ZONE_ENTER, p.id);
        if (p.age === 30) event(p, TrackEventType.TRACK_EVENT_TYPE_ZONE_EXIT, p.id);
      }
      if (f % 50 === 25)
        jobs.push(() =>
          publish.flag(pub, flag(camera, `${epoch}:${camera}:${f}`, ts, { sequence: f, trackId: people[0]?.id ?? '' })),
        );
    }
  }
  return publishAll(jobs);
};

/** The worst case for the indexer: one small document per message (track events only). */
const eventsOnly: Publish = (pub) => {
  const t0 = Date.now() - 3_600_000;
  const epoch = `r${epochs++}`;
  return publishAll(
    Array.from(
      { length: EVENT_MESSAGES },
      (_, i) => () =>
        publish.event(
          pub,
          trackEvent(`cam-${i % 16}`, `t${i % 500}`, (1 + (i % 3)) as TrackEventType, t0 + i, {
            eventId: `${epoch}-${i}`,
            className: i % 2 ? 'person' : 'car',
          }),
        ),
    ),
  );
};

interface Recorded {
  action: Record<string, Record<string, unknown>>;
  doc: Record<string, unknown>;
}

/**
 * The service's SearchIndexer consuming what waits in JetStream, from start until every message is
 * acked; optionally records the documents it sent (the bare side replays exactly those).
 */
async function runIndexer(
  client: Client,
  nats: NatsConnectionHandle,
  name: string,
  prefix: string,
  durable: string,
  messages: number,
  record?: Recorded[],
  cfg: SearchConfig = search,
): Promise<{ docs: number; seconds: number; docsPerBulk: number }> {
  const registry = createRegistry();
  const metrics = new SearchMetrics(registry, 'va_search_');
  const consumerMetrics = new ConsumerMetrics(registry, 'va_search_');
  const names = new IndexNames(prefix);
  const health = new ElasticsearchHealth({
    probe: () => applyIndexTemplates(client, names, cfg.indices, log),
    log,
    metrics,
  });
  health.start();
  await health.whenAvailable();
  let target = client;
  if (record) {
    target = Object.create(client) as Client;
    target.bulk = ((req: { operations: string }, opts?: unknown) => {
      const lines = req.operations.split('\n').filter((l) => l.length > 0);
      for (let i = 0; i < lines.length; i += 2)
        record.push({ action: JSON.parse(lines[i] as string), doc: JSON.parse(lines[i + 1] as string) });
      return client.bulk(req as never, opts as never);
    }) as never;
  }
  const indexer = new SearchIndexer({
    client: target,
    nats,
    health,
    names,
    indices: cfg.indices,
    config: { ...cfg.indexer, consumerName: durable },
    metrics,
    consumerMetrics,
    log,
  });
  const sum = async (name: string) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);
  const started = performance.now();
  await indexer.start();
  const deadline = Date.now() + 600_000;
  let receivedAt = 0;
  while (
    (await sum('va_search_messages_received_total')) < messages ||
    indexer.pipeline.unacked > 0 ||
    indexer.bulk.held.docs > 0
  ) {
    if (Date.now() > deadline)
      throw new Error(
        `indexer received ${await sum('va_search_messages_received_total')} of ${messages} messages in 10 minutes`,
      );
    if (!receivedAt && (await sum('va_search_messages_received_total')) >= messages) receivedAt = performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  const docs = await sum('va_search_indexed_documents_total');
  if (process.env.BENCH_DEBUG)
    console.log(
      `  ${name}: all received after ${((receivedAt - started) / 1000).toFixed(2)} s, all acked after ${seconds.toFixed(2)} s`,
    );
  await indexer.stopIntake();
  indexer.close();
  health.close();
  const bulks = ((await registry.getSingleMetric('va_search_bulk_documents')?.get())?.values ?? [])
    .filter((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))
    .reduce((s, v) => s + v.value, 0);
  return { docs, seconds, docsPerBulk: docs / Math.max(1, bulks) };
}

/** client.helpers.bulk of the recorded documents (same ids, versions and daily indices under another prefix), same flush size and concurrency. */
async function runBare(
  client: Client,
  from: string,
  prefix: string,
  recorded: Recorded[],
  indices: SearchConfig['indices'] = search.indices,
): Promise<{ docs: number; seconds: number }> {
  await applyIndexTemplates(client, new IndexNames(prefix), indices, log);
  const started = performance.now();
  const result = await client.helpers.bulk({
    datasource: recorded,
    onDocument: (r) => {
      const meta = r.action.index as Record<string, unknown>;
      return [{ index: { ...meta, _index: String(meta._index).replace(from, prefix) } }, r.doc];
    },
    flushBytes: search.indexer.bulk.maxBytes,
    concurrency: search.indexer.bulk.concurrency,
    retries: 3,
  });
  const seconds = (performance.now() - started) / 1000;
  // Versioned track summaries written twice in a batch may come back superseded (409): they count as written.
  if (result.successful + result.failed !== recorded.length)
    throw new Error(`bare bulk handled ${result.successful + result.failed} of ${recorded.length}`);
  return { docs: recorded.length, seconds };
}

async function indexing(client: Client, name: string, workload: Publish, compare: Compare = {}) {
  const natsServer = await startNatsServer();
  const pub = await connectPublisher(natsServer.url);
  const streams = ['detections', 'tracks', 'trackEvents', 'flags', 'reviews', 'deadLetters'] as const;
  await ensureStreams(
    pub.jsm,
    [...streams],
    jetStreamLimits({ maxAgeMs: 3_600_000, maxBytes: 4 * 1024 * 1024 * 1024, replicas: 1, duplicateWindowMs: 120_000 }),
  );
  const fresh = async () => {
    // Each run's durable consumers start at the beginning of the streams: only this run's messages are there.
    for (const key of streams) await pub.jsm.streams.purge(STREAMS[key].name);
    return workload(pub);
  };
  const indexer: number[] = [];
  const bare: number[] = [];
  let docs = 0;
  let messages = 0;
  let byKind: Record<string, number> = {};
  const compared: Record<string, VariantResult[]> = {};
  try {
    // Untimed first run: warms the JVM and records the documents the indexer writes.
    const recorded: Recorded[] = [];
    const recPrefix = `bench-rec-${name}-${run}`;
    messages = await fresh();
    await runIndexer(client, pub, name, recPrefix, `bench-${name}-rec`, messages, recorded);
    docs = recorded.length;
    byKind = docsByKind(recorded);
    for (let round = 0; round < (compare.skipRatio ? 0 : ROUNDS); round++) {
      const prefixA = `bench-idx-${name}-${run}-${round}`;
      const prefixB = `bench-bare-${name}-${run}-${round}`;
      await fresh();
      // Alternate which goes first, so neither always gets the warmer JVM or the emptier disk cache.
      const measureIndexer = async () => {
        const m = await runIndexer(client, pub, name, prefixA, `bench-${name}-${round}`, messages);
        indexer.push(m.docs / m.seconds);
      };
      const measureBare = async () => {
        const m = await runBare(client, recPrefix, prefixB, recorded);
        bare.push(m.docs / m.seconds);
      };
      if (round % 2 === 0) {
        await measureIndexer();
        await measureBare();
      } else {
        await measureBare();
        await measureIndexer();
      }
      console.log(
        `${name} round ${round}: indexer ${indexer.at(-1)?.toFixed(0)} docs/s, bare helpers.bulk ${bare.at(-1)?.toFixed(0)} docs/s`,
      );
      await deletePrefix(client, prefixA);
      await deletePrefix(client, prefixB);
    }
    if (compare.bulk) {
      await fresh();
      compared.bulk = await compareVariants(compare.bulk, async (v, prefix) => {
        const m = await runIndexer(
          client,
          pub,
          name,
          prefix,
          `bench-${name}-${prefix.split('-').slice(-3).join('-')}`,
          messages,
          undefined,
          v.cfg,
        );
        return { docsPerS: m.docs / m.seconds, docsPerBulk: m.docsPerBulk };
      });
    }
    if (compare.settings) {
      compared.settings = await compareVariants(compare.settings, async (v, prefix) => {
        const m = await runBare(client, recPrefix, prefix, recorded, v.cfg.indices);
        return { docsPerS: m.docs / m.seconds, ...(await embeddingsStore(client, prefix)) };
      });
    }
    await deletePrefix(client, recPrefix);
  } finally {
    await pub.close();
    await natsServer.dispose();
  }
  const ratios = indexer.map((v, i) => v / (bare[i] as number));
  if (ratios.length === 0) ratios.push(Number.NaN); // --compare-only: no indexer-vs-bare rounds
  return {
    ratio: Number(median(ratios).toFixed(3)),
    ratios: ratios.map((x) => Number(x.toFixed(3))),
    indexer: Math.round(median(indexer)),
    bare: Math.round(median(bare)),
    docs,
    messages,
    byKind,
    compared,
  };
}

// ---- side-by-side variants (--compare=bulk,settings) -----------------------------------------

interface Variant {
  label: string;
  cfg: SearchConfig;
}
interface Compare {
  bulk?: Variant[];
  settings?: Variant[];
  /** Only the comparisons: no indexer-vs-bare rounds. */
  skipRatio?: boolean;
}
interface VariantResult {
  label: string;
  docs_per_s: number;
  /** Median over rounds of this variant's docs/s ÷ the first variant's in the same round. */
  ratio_to_first: number;
  embeddings_bytes_per_doc?: number;
  docs_per_bulk?: number;
}

/** Runs every variant once per round, rotating which goes first; ratios are taken within a round. */
async function compareVariants(
  variants: Variant[],
  measure: (v: Variant, prefix: string) => Promise<{ docsPerS: number; bytesPerDoc?: number; docsPerBulk?: number }>,
): Promise<VariantResult[]> {
  const rates = variants.map(() => [] as number[]);
  const bytes = variants.map(() => [] as number[]);
  const perBulk = variants.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + round) % variants.length;
      const prefix = `bench-var-${run}-${round}-${i}`;
      const m = await measure(variants[i] as Variant, prefix);
      rates[i]?.push(m.docsPerS);
      if (m.bytesPerDoc !== undefined) bytes[i]?.push(m.bytesPerDoc);
      if (m.docsPerBulk !== undefined) perBulk[i]?.push(m.docsPerBulk);
      await deletePrefix(client, prefix);
    }
    console.log(
      `  round ${round}: ${variants.map((v, i) => `${v.label} ${rates[i]?.at(-1)?.toFixed(0)} docs/s`).join(', ')}`,
    );
  }
  return variants.map((v, i) => ({
    label: v.label,
    docs_per_s: Math.round(median(rates[i] as number[])),
    ratio_to_first: Number(
      median((rates[i] as number[]).map((r, round) => r / (rates[0]?.[round] as number))).toFixed(3),
    ),
    ...((bytes[i]?.length ?? 0) > 0 ? { embeddings_bytes_per_doc: Math.round(median(bytes[i] as number[])) } : {}),
    ...((perBulk[i]?.length ?? 0) > 0 ? { docs_per_bulk: Math.round(median(perBulk[i] as number[])) } : {}),
  }));
}

/** Store size per track summary document, after a refresh and a flush (segments on disk). */
async function embeddingsStore(client: Client, prefix: string): Promise<{ bytesPerDoc: number }> {
  const index = new IndexNames(prefix).alias('embeddings');
  await client.indices.refresh({ index });
  await client.indices.flush({ index });
  const stats = await client.indices.stats({ index, metric: ['store', 'docs'] });
  const all = stats._all.primaries;
  return { bytesPerDoc: (all?.store?.size_in_bytes ?? 0) / Math.max(1, all?.docs?.count ?? 0) };
}

function docsByKind(recorded: Recorded[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of recorded) {
    const index = String(r.action.index?._index ?? '');
    const kind =
      /-(detections|tracks|track-events|embeddings|flags|reviews|dead-letters)-\d{4}\.\d{2}\.\d{2}$/.exec(index)?.[1] ??
      'other';
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

// ---- kNN ------------------------------------------------------------------------------------

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

/**
 * Embedding-like vectors: identities (cluster centres) with per-sighting noise, as ReID embeddings
 * of the same person in different frames. Queries are fresh sightings of random identities.
 */
function vectors(
  count: number,
  identities: number,
  r: () => number,
): { data: Float32Array[]; query: () => Float32Array } {
  const centres = Array.from({ length: identities }, () =>
    unit(Float32Array.from({ length: DIMS }, () => gaussian(r))),
  );
  const sighting = () => {
    const c = centres[Math.floor(r() * identities)] as Float32Array;
    return unit(c.map((x) => x + 0.06 * gaussian(r)));
  };
  return { data: Array.from({ length: count }, sighting), query: sighting };
}

function exactTopK(data: Float32Array[], q: Float32Array, k: number): number[] {
  const scores = data.map((v, i) => {
    let dot = 0;
    for (let d = 0; d < DIMS; d++) dot += (v[d] as number) * (q[d] as number);
    return [dot, i] as const;
  });
  return scores
    .sort((a, b) => b[0] - a[0])
    .slice(0, k)
    .map(([, i]) => i);
}

async function knn(client: Client, type: 'hnsw' | 'int8_hnsw') {
  const prefix = `bench-knn-${type.replace('_', '')}-${run}`;
  const names = new IndexNames(prefix);
  const indices = { ...search.indices, vector: { ...search.indices.vector, type } };
  await applyIndexTemplates(client, names, indices, log);
  const r = seededRandom(42);
  const { data, query } = vectors(VECTORS, Math.max(50, VECTORS / 10), r);
  const now = Date.now();
  const index = names.daily('embeddings', now);
  // Documents in the track summary shape the service writes; the id is the vector's position.
  const docs = data.map((v, i) => ({
    '@timestamp': now,
    camera_id: `cam-${i % 16}`,
    track_id: String(i),
    class_name: 'person',
    first_seen_ts: now,
    last_seen_ts: now,
    has_embedding: true,
    embedding: Array.from(v),
  }));
  const result = await client.helpers.bulk({
    datasource: docs,
    onDocument: (d) => ({ index: { _index: index, _id: d.track_id } }),
    flushBytes: 5 * 1024 * 1024,
    concurrency: 2,
    refreshOnCompletion: true,
  });
  if (result.successful !== VECTORS) throw new Error(`indexed ${result.successful} of ${VECTORS} vectors`);
  const numCandidates = Math.min(search.query.maxNumCandidates, Math.max(10 * K, 100));
  const ask = (q: Float32Array) =>
    client.search({
      index: names.alias('embeddings'),
      knn: { field: 'embedding', query_vector: Array.from(q), k: K, num_candidates: numCandidates },
      size: K,
      _source: false,
    });
  for (let i = 0; i < 10; i++) await ask(query());
  const latencies: number[] = [];
  let found = 0;
  for (let i = 0; i < QUERIES; i++) {
    const q = query();
    const started = performance.now();
    const res = await ask(q);
    latencies.push(performance.now() - started);
    const truth = new Set(exactTopK(data, q, K).map(String));
    found += res.hits.hits.filter((h) => truth.has(h._id as string)).length;
  }
  await deletePrefix(client, prefix);
  return {
    recall: Number((found / (QUERIES * K)).toFixed(4)),
    p50: Number(quantile(latencies, 0.5).toFixed(2)),
    p99: Number(quantile(latencies, 0.99).toFixed(2)),
    numCandidates,
  };
}

// ---- main -----------------------------------------------------------------------------------

const client = esClient(esUrl());
const info = await client.info();
console.log(`Elasticsearch ${info.version.number} at ${esUrl()}; ${quick ? 'quick' : 'full'} run`);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const comparisons = new Set(
  process.argv
    .find((a) => a.startsWith('--compare='))
    ?.slice('--compare='.length)
    .split(',') ?? [],
);
const variant = (label: string, env: Record<string, string>): Variant => ({
  label,
  cfg: loadSearchConfig({ ...BENCH_BULK, ...env }),
});
const compare: Compare = {
  // The indexer over the same messages with different bulk limits; a run ends at most one flush interval after the last document.
  bulk: comparisons.has('bulk')
    ? [
        variant('1 MB, flush 50 ms', {}),
        variant('1000 docs or 5 MB, flush 50 ms', {
          VA_SEARCH_BULK_MAX_DOCS: '1000',
          VA_SEARCH_BULK_MAX_BYTES: String(5 * 1024 * 1024),
        }),
        variant('1000 docs or 5 MB, flush 250 ms', {
          VA_SEARCH_BULK_MAX_DOCS: '1000',
          VA_SEARCH_BULK_MAX_BYTES: String(5 * 1024 * 1024),
          VA_SEARCH_BULK_FLUSH_MS: '250',
        }),
        variant('1000 docs or 5 MB, flush 1000 ms (service default)', {
          VA_SEARCH_BULK_MAX_DOCS: '1000',
          VA_SEARCH_BULK_MAX_BYTES: String(5 * 1024 * 1024),
          VA_SEARCH_BULK_FLUSH_MS: '1000',
        }),
        variant('250 docs, flush 1000 ms', {
          VA_SEARCH_BULK_MAX_DOCS: '250',
          VA_SEARCH_BULK_MAX_BYTES: String(5 * 1024 * 1024),
          VA_SEARCH_BULK_FLUSH_MS: '1000',
        }),
      ]
    : undefined,
  // The recorded documents replayed into indices with different settings.
  settings: comparisons.has('settings')
    ? [
        variant('stored source, refresh 1 s', { VA_SEARCH_EMBEDDINGS_SOURCE: 'stored' }),
        variant('stored source, refresh 5 s', {
          VA_SEARCH_EMBEDDINGS_SOURCE: 'stored',
          VA_SEARCH_REFRESH_INTERVAL_MS: '5000',
        }),
        variant('stored source, refresh 30 s', {
          VA_SEARCH_EMBEDDINGS_SOURCE: 'stored',
          VA_SEARCH_REFRESH_INTERVAL_MS: '30000',
        }),
        variant('synthetic source, refresh 1 s', { VA_SEARCH_EMBEDDINGS_SOURCE: 'synthetic' }),
        variant('synthetic source, refresh 5 s', {
          VA_SEARCH_EMBEDDINGS_SOURCE: 'synthetic',
          VA_SEARCH_REFRESH_INTERVAL_MS: '5000',
        }),
      ]
    : undefined,
  skipRatio: process.argv.includes('--compare-only'),
};
const frames = await indexing(client, 'frames', frameTraffic, compare);
const summary: Record<string, unknown> = {
  bench: 'search',
  mode: quick ? 'quick' : 'full',
  elasticsearch: info.version.number,
  cpus: cpus().length,
  index_ratio: frames.ratio,
  index_ratios: frames.ratios,
  indexer_docs_per_s: frames.indexer,
  bare_bulk_docs_per_s: frames.bare,
  index_docs: frames.docs,
  index_messages: frames.messages,
  index_frames: framesPublished,
  index_docs_per_frame: Number((frames.docs / framesPublished).toFixed(3)),
  index_docs_by_kind: frames.byKind,
  index_workload:
    "frames: the service's default policy over 8 cameras at 5 fps: DetectionBatch (6 people, 512-d embeddings) + TrackUpdate per frame, tracks of 8 s with STARTED/ENDED and zone events, a flag per camera every 10 s",
  index_rounds: ROUNDS,
  ...(frames.compared.bulk ? { compare_bulk: frames.compared.bulk } : {}),
  ...(frames.compared.settings ? { compare_settings: frames.compared.settings } : {}),
};
if (only !== 'frames') {
  const worst = await indexing(client, 'events', eventsOnly);
  const hnsw = await knn(client, 'hnsw');
  console.log(`kNN hnsw: recall@10 ${hnsw.recall}, p50 ${hnsw.p50} ms, p99 ${hnsw.p99} ms`);
  const int8 = await knn(client, 'int8_hnsw');
  console.log(`kNN int8_hnsw: recall@10 ${int8.recall}, p50 ${int8.p50} ms, p99 ${int8.p99} ms`);
  Object.assign(summary, {
    index_ratio_one_doc_per_message: worst.ratio,
    indexer_docs_per_s_one_doc_per_message: worst.indexer,
    bare_bulk_docs_per_s_one_doc_per_message: worst.bare,
    knn_recall_at_10: hnsw.recall,
    knn_p50_ms: hnsw.p50,
    knn_p99_ms: hnsw.p99,
    knn_vectors: VECTORS,
    knn_dims: DIMS,
    knn_queries: QUERIES,
    knn_num_candidates: hnsw.numCandidates,
    knn_index: 'hnsw',
    knn_int8_recall_at_10: int8.recall,
    knn_int8_p50_ms: int8.p50,
    knn_int8_p99_ms: int8.p99,
  });
}
await client.close();
const dir = join(REPO_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  `${JSON.stringify(summary, null, 2)}\n`,
);
console.log(JSON.stringify(summary));
