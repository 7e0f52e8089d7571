import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import type { JetStreamLimits } from '../config/nats.js';
import { UnavailableError } from '../errors.js';
import { STAGES } from './subjects.js';

/**
 * The durable part of the data plane, declared in code. Frames are not here: they travel
 * on core NATS because a late frame is worthless. Everything downstream of the detector
 * must not be lost once published: a full stream (VA_JS_MAX_BYTES) refuses new messages
 * (discard-new) instead of deleting stored ones that may not be consumed yet; publishers count
 * the refusal (<service>_jetstream_publish_refused_total) and usage is exported as
 * va_jetstream_stream_usage_ratio, alerted on at 80 %. Only max age deletes, a documented bound.
 */
export const STREAMS = {
  detections: {
    name: 'VA_DETECTIONS',
    subjects: [`${STAGES.detections}.*`],
    description: 'Detections per frame (DetectionBatch)',
  },
  tracks: { name: 'VA_TRACKS', subjects: [`${STAGES.tracks}.*`], description: 'Tracker state per frame (TrackUpdate)' },
  trackEvents: {
    name: 'VA_TRACK_EVENTS',
    subjects: [`${STAGES.trackEvents}.*`],
    description: 'Track lifecycle, zone and line events (TrackEvent)',
  },
  flags: { name: 'VA_FLAGS', subjects: [`${STAGES.flags}.*`], description: 'Sanity flags (Flag)' },
  reviews: {
    name: 'VA_REVIEWS',
    subjects: [`${STAGES.reviews}.*`],
    description: 'Human review decisions (ReviewDecision)',
  },
  deadLetters: {
    name: 'VA_DEAD_LETTERS',
    subjects: ['va.deadletter.>'],
    description: 'Messages that could not be processed, reason in headers',
  },
} as const;
export type StreamKey = keyof typeof STREAMS;

/** Streams of decisions (flags, human reviews) that are kept for VA_JS_DECISIONS_MAX_AGE_HOURS. */
const DECISION_STREAMS: ReadonlySet<StreamKey> = new Set(['flags', 'reviews']);

export function streamConfig(key: StreamKey, limits: JetStreamLimits): Partial<StreamConfig> {
  const decl = STREAMS[key];
  const maxAgeMs = DECISION_STREAMS.has(key) ? (limits.decisionsMaxAgeMs ?? limits.maxAgeMs) : limits.maxAgeMs;
  return {
    name: decl.name,
    subjects: [...decl.subjects],
    description: decl.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_age: nanos(maxAgeMs),
    max_bytes: key === 'detections' ? limits.detectionsMaxBytes : limits.maxBytes,
    num_replicas: limits.replicas,
    duplicate_window: nanos(limits.duplicateWindowMs),
  };
}

/** The stream that stores a subject ('VA_DETECTIONS' for 'va.detections.cam-1'), or undefined. */
export function streamOfSubject(subject: string): string | undefined {
  for (const decl of Object.values(STREAMS)) {
    if (decl.subjects.some((pattern) => subjectMatches(pattern, subject))) return decl.name;
  }
  return undefined;
}

function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

export interface EnsureStreamsResult {
  /** Streams that exist but differ from the declaration, left as they are: this identity may not update them. */
  notUpdated: string[];
}

/**
 * Creates the streams, or updates their subjects and limits. The admin identity does this when the
 * bus is provisioned (provision-cli.ts); a service identity may only read a stream's info
 * (bus-identities.ts), so for it (`verifyOnly`, or when the server refuses) this checks that each
 * stream exists and reports those whose settings differ. A missing stream is then a clear error.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  keys: StreamKey[],
  limits: JetStreamLimits,
  options: { verifyOnly?: boolean } = {},
): Promise<EnsureStreamsResult> {
  const notUpdated: string[] = [];
  for (const key of keys) {
    const config = streamConfig(key, limits);
    const name = config.name as string;
    try {
      const info = await jsm.streams.info(name);
      const same =
        info.config.max_age === config.max_age &&
        info.config.max_bytes === config.max_bytes &&
        info.config.num_replicas === config.num_replicas &&
        info.config.duplicate_window === config.duplicate_window &&
        info.config.discard === config.discard &&
        JSON.stringify(info.config.subjects) === JSON.stringify(config.subjects);
      if (!same && options.verifyOnly) notUpdated.push(name);
      else if (!same) {
        try {
          await jsm.streams.update(name, config);
        } catch (err) {
          if (!isPermissionDenied(err)) throw err;
          notUpdated.push(name);
        }
      }
    } catch (err) {
      if (!isStreamNotFound(err)) throw err;
      const missing = (cause?: unknown) =>
        new UnavailableError(
          `JetStream stream ${name} does not exist and this NATS user may not create it: provision the bus as the admin user first (deploy/README.md, "NATS users")`,
          { cause },
        );
      if (options.verifyOnly) throw missing();
      await jsm.streams.add(config).catch((addErr: unknown) => {
        throw isPermissionDenied(addErr) ? missing(addErr) : addErr;
      });
    }
  }
  return { notUpdated };
}

function isStreamNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}

/** The server refused the API subject (publish permission), or answered with 403. */
export function isPermissionDenied(err: unknown): boolean {
  const e = err as { code?: string; message?: string; isPermissionError?: () => boolean };
  return e?.code === 'PERMISSIONS_VIOLATION' || e?.code === '403' || /permissions violation/i.test(e?.message ?? '');
}
