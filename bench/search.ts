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
//   BENCH_DEBUG=1                            also print when each indexer run had received / acked everything
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@elastic/elasticsearch';
import { ConsumerMetrics, createLogger, createRegistry, ensureStreams, jetStreamLimits, STREAMS, type NatsConnectionHandle } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { loadSearchConfig } from '../services/embedding-search/src/config.js';
import { ElasticsearchHealth } from '../services/embedding-search/src/elasticsearch-health.js';
import { SearchIndexer } from '../services/embedding-search/src/indexer/search-indexer.js';
import { IndexNames } from '../services/embedding-search/src/indices/index-names.js';
import { applyIndexTemplates } from '../services/embedding-search/src/indices/index-templates.js';
import { SearchMetrics } from '../services/embedding-search/src/metrics.js';
import { deletePrefix, esClient, esUrl } from '@va/harness/elasticsearch';
import { startNatsServer } from '@va/harness/nats-server';
import { connectPublisher, detectionBatch, publish, trackEvent, trackUpdate } from '@va/harness/pipeline-messages';
import { seededRandom } from '@va/harness/seeded-random';
import { REPO_ROOT } from '@va/harness/shared';
import { median, quantile } from '@va/harness/statistics';

const quick = process.argv.includes('--quick');
const FRAME_MESSAGES = quick ? 6_000 : 24_000;
const EVENT_MESSAGES = quick ? 20_000 : 60_000;
const ROUNDS = quick ? 2 : 4;
const VECTORS = quick ? 5_000 : 20_000;
const QUERIES = quick ? 100 : 300;
const DIMS = 512;
const K = 10;
const log = createLogger('bench', 'warn');
// Both sides flush by size alone (1 MB requests, 2 in flight); the indexer's flush interval is short
// because it cannot know that the last message has come, while helpers.bulk flushes at the end.
const search = loadSearchConfig({ VA_SEARCH_BULK_MAX_BYTES: String(1024 * 1024), VA_SEARCH_BULK_MAX_DOCS: '100000', VA_SEARCH_BULK_FLUSH_MS: '50', VA_SEARCH_BULK_CONCURRENCY: '2' });
const run = Date.now().toString(36);

// ---- indexing -------------------------------------------------------------------------------

type Publish = (pub: NatsConnectionHandle) => Promise<number>;

// Every publishing run gets its own stream epoch: message ids (JetStream de-duplicates them for two
// minutes, even across a purge) and document ids differ between runs.
let epochs = 0;

/** Publishes in parallel batches (the upstream services publish concurrently from many cameras). */
async function publishAll(items: Array<() => Promise<unknown>>): Promise<number> {
  for (let i = 0; i < items.length; i += 500) await Promise.all(items.slice(i, i + 500).map((f) => f()));
  return items.length;
}

/**
 * The pipeline's traffic per frame and camera: a DetectionBatch (6 people with 512-d embeddings),
 * the TrackUpdate matching them to tracks that live 60 frames, and STARTED/ENDED events. Gives
 * detection docs, track points, track summaries (with embeddings) and events: ~8 documents per frame.
 */
const frameTraffic: Publish = (pub) => {
  const cameras = 8;
  const frames = Math.round(FRAME_MESSAGES / 2 / cameras);
  const t0 = Date.now() - 3_600_000;
  const r = seededRandom(7);
  const epoch = `r${epochs++}`;
  const embedding = () => Array.from(unit(Float32Array.from({ length: DIMS }, () => gaussian(r))));
  const jobs: Array<() => Promise<unknown>> = [];
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < cameras; c++) {
      const camera = `cam-${c}`;
      const ts = t0 + f * 100;
      const people = Array.from({ length: 6 }, (_, p) => ({ id: `p${p}-${Math.floor((f + p * 10) / 60)}`, box: { x1: p * 100 + f % 50, y1: 100, x2: p * 100 + 40 + f % 50, y2: 220 } }));
      const batch = detectionBatch(camera, f, ts, people.map((p) => ({ box: p.box, score: 0.6 + r() * 0.35, classId: 0, className: 'person', embedding: embedding() })), epoch);
      const update = trackUpdate(camera, f, ts, people.map((p, i) => ({ trackId: p.id, box: p.box, score: batch.detections[i]?.score ?? 0, hits: f + 1, detectionIndex: i, firstSeenTsMs: t0, lastSeenTsMs: ts })), epoch);
      jobs.push(() => publish.detections(pub, batch), () => publish.tracks(pub, update));
      for (const p of people) {
        if ((f + Number(p.id.slice(1, 2)) * 10) % 60 === 0) {
          jobs.push(() => publish.event(pub, trackEvent(camera, p.id, TrackEventType.TRACK_EVENT_TYPE_STARTED, ts, { eventId: `${epoch}:${camera}:${p.id}` })));
        }
      }
    }
  }
  return publishAll(jobs);
};

/** The worst case for the indexer: one small document per message (track events only). */
const eventsOnly: Publish = (pub) => {
  const t0 = Date.now() - 3_600_000;
  const epoch = `r${epochs++}`;
  return publishAll(
    Array.from({ length: EVENT_MESSAGES }, (_, i) => () =>
      publish.event(pub, trackEvent(`cam-${i % 16}`, `t${i % 500}`, (1 + (i % 3)) as TrackEventType, t0 + i, { eventId: `${epoch}-${i}`, className: i % 2 ? 'person' : 'car' })),
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
async function runIndexer(client: Client, nats: NatsConnectionHandle, name: string, prefix: string, durable: string, messages: number, record?: Recorded[]): Promise<{ docs: number; seconds: number }> {
  const registry = createRegistry();
  const metrics = new SearchMetrics(registry, 'va_search_');
  const consumerMetrics = new ConsumerMetrics(registry, 'va_search_');
  const names = new IndexNames(prefix);
  const health = new ElasticsearchHealth({ probe: () => applyIndexTemplates(client, names, search.indices, log), log, metrics });
  health.start();
  await health.whenAvailable();
  let target = client;
  if (record) {
    target = Object.create(client) as Client;
    target.bulk = ((req: { operations: string }, opts?: unknown) => {
      const lines = req.operations.split('\n').filter((l) => l.length > 0);
      for (let i = 0; i < lines.length; i += 2) record.push({ action: JSON.parse(lines[i] as string), doc: JSON.parse(lines[i + 1] as string) });
      return client.bulk(req as never, opts as never);
    }) as never;
  }
  const indexer = new SearchIndexer({ client: target, nats, health, names, indices: search.indices, config: { ...search.indexer, consumerName: durable }, metrics, consumerMetrics, log });
  const sum = async (name: string) => ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);
  const started = performance.now();
  await indexer.start();
  const deadline = Date.now() + 600_000;
  let receivedAt = 0;
  while ((await sum('va_search_messages_received_total')) < messages || indexer.pipeline.unacked > 0 || indexer.bulk.held.docs > 0) {
    if (Date.now() > deadline) throw new Error(`indexer received ${await sum('va_search_messages_received_total')} of ${messages} messages in 10 minutes`);
    if (!receivedAt && (await sum('va_search_messages_received_total')) >= messages) receivedAt = performance.now();
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  const docs = await sum('va_search_indexed_documents_total');
  if (process.env.BENCH_DEBUG) console.log(`  ${name}: all received after ${((receivedAt - started) / 1000).toFixed(2)} s, all acked after ${seconds.toFixed(2)} s`);
  await indexer.stopIntake();
  indexer.close();
  health.close();
  return { docs, seconds };
}

/** client.helpers.bulk of the recorded documents (same ids, versions and daily indices under another prefix), same flush size and concurrency. */
async function runBare(client: Client, from: string, prefix: string, recorded: Recorded[]): Promise<{ docs: number; seconds: number }> {
  await applyIndexTemplates(client, new IndexNames(prefix), search.indices, log);
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
  if (result.successful + result.failed !== recorded.length) throw new Error(`bare bulk handled ${result.successful + result.failed} of ${recorded.length}`);
  return { docs: recorded.length, seconds };
}

async function indexing(client: Client, name: string, workload: Publish) {
  const natsServer = await startNatsServer();
  const pub = await connectPublisher(natsServer.url);
  const streams = ['detections', 'tracks', 'trackEvents', 'flags', 'reviews', 'deadLetters'] as const;
  await ensureStreams(pub.jsm, [...streams], jetStreamLimits({ maxAgeMs: 3_600_000, maxBytes: 4 * 1024 * 1024 * 1024, replicas: 1, duplicateWindowMs: 120_000 }));
  const fresh = async () => {
    // Each run's durable consumers start at the beginning of the streams: only this run's messages are there.
    for (const key of streams) await pub.jsm.streams.purge(STREAMS[key].name);
    return workload(pub);
  };
  const indexer: number[] = [];
  const bare: number[] = [];
  let docs = 0;
  let messages = 0;
  try {
    // Untimed first run: warms the JVM and records the documents the indexer writes.
    const recorded: Recorded[] = [];
    const recPrefix = `bench-rec-${name}-${run}`;
    messages = await fresh();
    await runIndexer(client, pub, name, recPrefix, `bench-${name}-rec`, messages, recorded);
    docs = recorded.length;
    for (let round = 0; round < ROUNDS; round++) {
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
      console.log(`${name} round ${round}: indexer ${indexer.at(-1)?.toFixed(0)} docs/s, bare helpers.bulk ${bare.at(-1)?.toFixed(0)} docs/s`);
      await deletePrefix(client, prefixA);
      await deletePrefix(client, prefixB);
    }
    await deletePrefix(client, recPrefix);
  } finally {
    await pub.close();
    await natsServer.dispose();
  }
  const ratios = indexer.map((v, i) => v / (bare[i] as number));
  return { ratio: Number(median(ratios).toFixed(3)), ratios: ratios.map((x) => Number(x.toFixed(3))), indexer: Math.round(median(indexer)), bare: Math.round(median(bare)), docs, messages };
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
function vectors(count: number, identities: number, r: () => number): { data: Float32Array[]; query: () => Float32Array } {
  const centres = Array.from({ length: identities }, () => unit(Float32Array.from({ length: DIMS }, () => gaussian(r))));
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
  return scores.sort((a, b) => b[0] - a[0]).slice(0, k).map(([, i]) => i);
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
  const docs = data.map((v, i) => ({ '@timestamp': now, camera_id: `cam-${i % 16}`, track_id: String(i), class_name: 'person', first_seen_ts: now, last_seen_ts: now, has_embedding: true, embedding: Array.from(v) }));
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
    client.search({ index: names.alias('embeddings'), knn: { field: 'embedding', query_vector: Array.from(q), k: K, num_candidates: numCandidates }, size: K, _source: false });
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
  return { recall: Number((found / (QUERIES * K)).toFixed(4)), p50: Number(quantile(latencies, 0.5).toFixed(2)), p99: Number(quantile(latencies, 0.99).toFixed(2)), numCandidates };
}

// ---- main -----------------------------------------------------------------------------------

const client = esClient(esUrl());
const info = await client.info();
console.log(`Elasticsearch ${info.version.number} at ${esUrl()}; ${quick ? 'quick' : 'full'} run`);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const frames = await indexing(client, 'frames', frameTraffic);
if (only === 'frames') process.exit(0);
const worst = await indexing(client, 'events', eventsOnly);
const hnsw = await knn(client, 'hnsw');
console.log(`kNN hnsw: recall@10 ${hnsw.recall}, p50 ${hnsw.p50} ms, p99 ${hnsw.p99} ms`);
const int8 = await knn(client, 'int8_hnsw');
console.log(`kNN int8_hnsw: recall@10 ${int8.recall}, p50 ${int8.p50} ms, p99 ${int8.p99} ms`);
await client.close();

const summary = {
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
  index_workload: 'frames: DetectionBatch (6 people, 512-d embeddings) + TrackUpdate + events, 8 cameras',
  index_ratio_one_doc_per_message: worst.ratio,
  indexer_docs_per_s_one_doc_per_message: worst.indexer,
  bare_bulk_docs_per_s_one_doc_per_message: worst.bare,
  index_rounds: ROUNDS,
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
};
const dir = join(REPO_ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `search-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary));
