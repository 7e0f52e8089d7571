import { STREAMS, type StreamKey } from './streams.js';
import { subjects } from './subjects.js';

/**
 * Who may do what on NATS: one user per service, each allowed exactly its subjects and the
 * JetStream API calls it makes, plus `admin` (provisions the streams; operators, tests) and
 * `observer` (reads the pipeline's output: the demo's live summary). This table is the only
 * source of the server's permissions: the local stack, the tests' nats-server and the
 * committed Compose/Kubernetes configuration are all rendered from it (./server-config.ts).
 *
 * What no service identity may do: create, update, purge or delete a data stream (VA_*), delete
 * a KV bucket, or touch a stream it does not read or write. Consumers: a service may create
 * consumers only on the streams it reads (nats-server 2.9 names durable and ephemeral creation
 * with one API subject, so the two cannot be told apart), and only tracking may delete one, on
 * VA_DETECTIONS, to hand a camera's durable over (DurableConsumer takeOver).
 */
export const BUS_IDENTITIES = [
  'admin',
  'ingest',
  'batching-inference',
  'tracking',
  'embedding-search',
  'sanity-check',
  'observer',
] as const;
export type BusIdentity = (typeof BUS_IDENTITIES)[number];
export type ServiceIdentity = Exclude<BusIdentity, 'admin' | 'observer'>;

/**
 * The KV buckets each service owns, under their default names (VA_INGEST_KV_BUCKET,
 * VA_INFERENCE_ROLLOUT_BUCKET, VA_TRACKING_*_BUCKET). A service may create its own buckets
 * (their TTL and history are its configuration) but never delete one. Renaming a bucket in a
 * deployment means listing the new name here too.
 */
export const KV_BUCKETS: Record<ServiceIdentity, readonly string[]> = {
  ingest: ['va_ingest_streams'],
  'batching-inference': ['va-inference-rollouts'],
  tracking: ['va_tracking_members', 'va_tracking_zones', 'va_tracking_leases'],
  'embedding-search': [],
  'sanity-check': [],
};

export interface BusPermissions {
  publish: string[];
  subscribe: string[];
  /** Replies to requests it received: at most `max` per request within `expiresMs` (nats-server allow_responses), and no other inbox. */
  respond?: { max: number; expiresMs: number };
}

/** Ingest answers one evidence-frame request with one reply, well within the requester's timeout. */
export const EVIDENCE_FRAME_RESPONSE = { max: 1, expiresMs: 30_000 } as const;

/** Replies and push-consumer deliveries for `user` arrive under this prefix, which only it may subscribe to. */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

const API = '$JS.API';

/** Reading a stream through consumers this identity creates: pull (MSG.NEXT) or push, acked. */
function reads(key: StreamKey | string): string[] {
  const stream = key in STREAMS ? STREAMS[key as StreamKey].name : key;
  return [
    `${API}.STREAM.INFO.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
    // A message past max_deliver is copied to VA_DEAD_LETTERS from the stream (dead-letter.ts).
    `${API}.STREAM.MSG.GET.${stream}`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** The server's max-deliveries advisories for this identity's consumers on the streams it reads (dead-letter.ts). */
function maxDeliveryAdvisories(...keys: StreamKey[]): string[] {
  return keys.map((key) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAMS[key].name}.*`);
}

/** Poison messages go to va.deadletter.<kind>.<camera>; a token cannot be matched by prefix, so any kind. */
const deadLetters = (): string[] => ['va.deadletter.*.*', ...declares('deadLetters')];

/** The stream must exist: checked (INFO) at start-up, created and updated only by admin. */
function declares(key: StreamKey): string[] {
  return [`${API}.STREAM.INFO.${STREAMS[key].name}`];
}

/** A KV bucket this identity owns: create (not update or delete), read, write, watch. */
function ownsBucket(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    `${API}.STREAM.CREATE.${stream}`,
    `${API}.STREAM.MSG.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}.>`,
    ...reads(stream),
    `$KV.${bucket}.>`,
  ];
}

const everyService = (user: string): BusPermissions => ({
  // $JS.API.INFO: the client checks JetStream is there when it connects.
  publish: [`${API}.INFO`],
  subscribe: [`${inboxPrefix(user)}.>`],
});

function service(user: ServiceIdentity, own: BusPermissions): BusPermissions {
  const base = everyService(user);
  return {
    publish: [...new Set([...base.publish, ...own.publish, ...KV_BUCKETS[user].flatMap(ownsBucket)])],
    subscribe: [...new Set([...base.subscribe, ...own.subscribe])],
  };
}

/** Allow lists per identity; `admin` may do everything. */
export function busPermissions(identity: BusIdentity): BusPermissions | 'all' {
  switch (identity) {
    case 'admin':
      return 'all';
    case 'ingest':
      // Serves frames it published, on request, as evidence images (evidence-frame.ts).
      return {
        ...service('ingest', { publish: [subjects.frames('*')], subscribe: [subjects.evidenceFrame('*')] }),
        respond: EVIDENCE_FRAME_RESPONSE,
      };
    case 'batching-inference':
      return service('batching-inference', {
        publish: [subjects.detections('*'), ...declares('detections')],
        subscribe: [subjects.frames('*')],
      });
    case 'tracking':
      return service('tracking', {
        publish: [
          subjects.tracks('*'),
          subjects.trackEvents('*'),
          ...reads('detections'),
          // Handing a camera's durable over recreates it at its ack floor.
          `${API}.CONSUMER.DELETE.${STREAMS.detections.name}.*`,
          ...declares('tracks'),
          ...declares('trackEvents'),
          // The last TrackUpdate per camera (stored-tracks.ts).
          `${API}.STREAM.MSG.GET.${STREAMS.tracks.name}`,
          ...deadLetters(),
        ],
        // WatchTracks copies va.tracks.* to gRPC callers.
        subscribe: [subjects.tracks('*'), ...maxDeliveryAdvisories('detections')],
      });
    case 'embedding-search':
      return service('embedding-search', {
        publish: [
          ...(['detections', 'tracks', 'trackEvents', 'flags', 'reviews'] as const).flatMap(reads),
          ...deadLetters(),
        ],
        // WatchEvents copies va.track-events.* to gRPC callers.
        subscribe: [
          subjects.trackEvents('*'),
          ...maxDeliveryAdvisories('detections', 'tracks', 'trackEvents', 'flags', 'reviews'),
        ],
      });
    case 'sanity-check':
      return service('sanity-check', {
        // Evidence images are asked of ingest for flagged or sampled frames only; raw frames never
        // reach sanity-check (frame statistics ride on the detection batches).
        publish: [
          subjects.flags('*'),
          subjects.reviews('*'),
          subjects.evidenceFrame('*'),
          ...(['detections', 'tracks', 'flags', 'reviews'] as const).flatMap(reads),
          ...deadLetters(),
        ],
        subscribe: [...maxDeliveryAdvisories('detections', 'tracks', 'flags', 'reviews')],
      });
    case 'observer':
      return {
        publish: [],
        subscribe: [
          subjects.detections('*'),
          subjects.tracks('*'),
          subjects.trackEvents('*'),
          subjects.flags('*'),
          subjects.reviews('*'),
          `${inboxPrefix('observer')}.>`,
        ],
      };
  }
}
