import {
  DurableConsumer,
  STREAMS,
  codecs,
  subjects,
  type Codec,
  type ConsumerMetrics,
  type Logger,
  type NatsConnectionHandle,
  type StreamKey,
} from '@va/common';
import type { JsMsg } from 'nats';
import type { IndexerConfig } from '../config.js';
import { detectionBatchDoc } from '../documents/detections.js';
import type { DocDraft } from '../documents/fields.js';
import { flagDoc, reviewDoc } from '../documents/flags.js';
import { trackEventDoc } from '../documents/track-events.js';
import type { TrackPathSampler } from '../documents/track-path-sampler.js';
import { detectionBatchF32Codec } from '../messages/detection-batch-reader.js';
import type { EmbeddingJoin } from '../embeddings/embedding-join.js';
import type { TrackSummaries } from '../embeddings/track-summaries.js';
import type { IndexKind } from '../indices/index-names.js';
import type { SearchMetrics } from '../metrics.js';
import type { BulkOp } from './bulk-indexer.js';
import type { Rejection } from './dead-letters.js';
import type { IndexRouter } from '../indices/index-router.js';
import type { MessagePipeline, Produced } from './message-pipeline.js';

export interface SourceConsumersDeps {
  nats: NatsConnectionHandle;
  consumerMetrics: ConsumerMetrics;
  log: Logger;
  pipeline: MessagePipeline;
  router: IndexRouter;
  join: EmbeddingJoin;
  summaries: TrackSummaries;
  paths: TrackPathSampler;
  config: IndexerConfig;
  metrics: SearchMetrics;
  /** Aborted at shutdown. */
  signal: AbortSignal;
}

/**
 * One JetStream durable consumer per source stream (va.detections.*, va.tracks.*,
 * va.track-events.*, va.flags.*, va.reviews.*), each turning messages into documents for the
 * shared bulk indexer with manual acks (see MessagePipeline for when a message is acked).
 * Durable names are `<VA_SEARCH_CONSUMER_NAME>-<kind>`; a new one starts at the beginning of its
 * stream, so a fresh deployment indexes what JetStream still holds.
 */
export function createSourceConsumers(deps: SourceConsumersDeps): Array<DurableConsumer<unknown>> {
  const { join, summaries, paths, pipeline, config } = deps;
  const produce = (kind: IndexKind, drafts: DocDraft[]) => produced(kind, drafts, deps.router);
  const indexesDetections = (camera: string) => config.indexDetections === 'all' || config.indexDetections.has(camera);
  // Every batch is read (its embeddings feed the track summaries); its document is written only for opted-in cameras.
  const detections = consumer(deps, 'detections', detectionBatchF32Codec, async (b, msg) => {
    const summaryOps = summaries.offer(join.addDetections(b));
    const docs = indexesDetections(b.cameraId) ? [detectionBatchDoc(b)] : [];
    if (docs.length === 0) deps.metrics.detectionsNotIndexed.inc();
    await pipeline.process(msg, b.cameraId, withOps(produce('detections', docs), summaryOps));
  });
  const tracks = consumer(deps, 'tracks', codecs.trackUpdate, async (u, msg) => {
    const summaryOps = summaries.observe(u, join.matchTracks(u));
    await pipeline.process(msg, u.cameraId, withOps(produce('tracks', paths.sample(u)), summaryOps));
  });
  const events = consumer(deps, 'trackEvents', codecs.trackEvent, (e, msg) =>
    pipeline.process(
      msg,
      e.cameraId,
      withProduced(produce('track-events', [trackEventDoc(e)]), produce('tracks', paths.pointsOf(e))),
    ),
  );
  const flags = consumer(deps, 'flags', codecs.flag, (f, msg) =>
    pipeline.process(msg, f.cameraId, produce('flags', [flagDoc(f)])),
  );
  const reviews = consumer(deps, 'reviews', codecs.reviewDecision, (r, msg) =>
    pipeline.process(msg, subjects.cameraOf(msg.subject) ?? r.cameraId, produce('reviews', [reviewDoc(r)])),
  );
  return [detections, tracks, events, flags, reviews] as Array<DurableConsumer<unknown>>;
}

function consumer<T>(
  deps: SourceConsumersDeps,
  stream: StreamKey,
  codec: Codec<T>,
  handle: (value: T, msg: JsMsg) => Promise<void>,
): DurableConsumer<T> {
  const { config } = deps;
  const decl = STREAMS[stream];
  const kind = decl.subjects[0]?.split('.')[1] ?? stream;
  return new DurableConsumer(deps.nats, {
    stream: decl.name,
    durable: `${config.consumerName}-${kind}`,
    filterSubject: decl.subjects[0] as string,
    codec,
    metrics: deps.consumerMetrics,
    log: deps.log,
    ack: 'manual',
    handle,
    ackWaitMs: config.consumer.ackWaitMs,
    maxAckPending: config.consumer.maxAckPending,
    batch: config.consumer.pullBatch,
    nakDelayMs: 2_000,
    deadLetterKind: `search-${kind}-msg`,
  });
}

/** Documents routed to their daily index; those without an event time are rejected (dead-lettered), expired ones skipped. */
function produced(kind: IndexKind, drafts: DocDraft[], router: IndexRouter): Produced {
  const ops: BulkOp[] = [];
  const rejections: Rejection[] = [];
  for (const d of drafts) {
    if (!(d.tsMs > 0)) {
      rejections.push({
        kind,
        docId: d.id,
        status: 0,
        errorType: 'invalid_message',
        reason: 'message has no event time (capture/event timestamps are 0)',
        eventTsMs: 0,
      });
      continue;
    }
    const index = router.route(kind, d.tsMs);
    if (index)
      ops.push({ kind, index, id: d.id, doc: d.doc, eventTsMs: d.tsMs, ...(d.version ? { version: d.version } : {}) });
  }
  return { ops, rejections };
}

function withOps(p: Produced, extra: BulkOp[]): Produced {
  return extra.length === 0 ? p : { ops: [...p.ops, ...extra], rejections: p.rejections };
}

function withProduced(a: Produced, b: Produced): Produced {
  return { ops: [...a.ops, ...b.ops], rejections: [...a.rejections, ...b.rejections] };
}
