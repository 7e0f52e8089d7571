import {
  AlreadyExistsError,
  assertCameraId,
  errorMessage,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  type Logger,
} from '@va/common';
import { PixelFormat } from '@va/proto/va/common/v1/frame';
import { StreamState, StreamStatus, type StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { FRAME_HEAD_RESERVE, FRAME_TAIL_RESERVE } from './frame-pool.js';
import type { IngestMetrics } from './ingest-metrics.js';
import type { StreamRegistry } from './stream-registry.js';
import { validateStreamSpec, type SpecPolicy, type ValidStream } from './stream-spec.js';
import { redact } from './source-url.js';
import type { StreamSupervisor } from './stream-supervisor.js';

export interface StreamManagerDeps {
  registry: StreamRegistry;
  policy: SpecPolicy;
  maxStreams: number;
  maxPayloadBytes: () => number;
  createSupervisor(stream: ValidStream): StreamSupervisor;
  metrics: IngestMetrics;
  log: Logger;
}

/** A stored definition that no longer passes validation: shown as FAILED, never started. */
interface InvalidEntry {
  spec: StreamSpec;
  error: string;
  since: number;
}

type Entry = { supervisor: StreamSupervisor } | { invalid: InvalidEntry };

/**
 * The streams of this ingest: hot add, update and remove without touching other streams, each
 * change persisted in the registry before it takes effect. Changes run one at a time.
 */
export class StreamManager {
  private readonly entries = new Map<string, Entry>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly deps: StreamManagerDeps) {
    this.log = deps.log.child({ component: 'streams' });
  }

  /** Starts every stream stored in the registry (start-up). */
  async restore(): Promise<number> {
    return this.serial(async () => {
      const specs = await this.deps.registry.list();
      for (const spec of specs) {
        try {
          this.startSupervisor(await this.validate(spec));
        } catch (err) {
          const error = `stored definition is no longer valid: ${errorMessage(err)}`;
          this.log.error({ cameraId: spec.cameraId, error }, 'stream not resumed');
          this.entries.set(spec.cameraId, { invalid: { spec, error, since: Date.now() } });
          this.deps.metrics.setState(spec.cameraId, StreamState.STREAM_STATE_FAILED);
        }
      }
      this.log.info({ streams: specs.length }, 'streams resumed from the registry');
      return specs.length;
    });
  }

  add(spec: StreamSpec | undefined): Promise<StreamStatus> {
    return this.serial(async () => {
      const stream = await this.validate(spec);
      const id = stream.spec.cameraId;
      if (this.entries.has(id)) throw new AlreadyExistsError(`stream ${id} exists; use UpdateStream to change it`);
      if (this.entries.size >= this.deps.maxStreams)
        throw new ResourceExhaustedError(`at most ${this.deps.maxStreams} streams (VA_INGEST_MAX_STREAMS)`);
      await this.deps.registry.put(stream.spec);
      this.log.info({ cameraId: id, url: redact(stream.spec.url) }, 'stream added');
      return this.startSupervisor(stream).status();
    });
  }

  update(spec: StreamSpec | undefined): Promise<StreamStatus> {
    return this.serial(async () => {
      const stream = await this.validate(spec);
      const id = stream.spec.cameraId;
      const entry = this.entries.get(id);
      if (!entry) throw new NotFoundError(`stream ${id} does not exist`);
      await this.deps.registry.put(stream.spec);
      if ('supervisor' in entry) await entry.supervisor.stop();
      this.log.info({ cameraId: id, url: redact(stream.spec.url) }, 'stream updated');
      return this.startSupervisor(stream).status();
    });
  }

  remove(cameraId: string): Promise<void> {
    return this.serial(async () => {
      assertCameraId(cameraId);
      const entry = this.entries.get(cameraId);
      if (!entry) throw new NotFoundError(`stream ${cameraId} does not exist`);
      await this.deps.registry.delete(cameraId);
      this.entries.delete(cameraId);
      if ('supervisor' in entry) await entry.supervisor.stop();
      this.deps.metrics.forget(cameraId);
      this.log.info({ cameraId }, 'stream removed');
    });
  }

  get(cameraId: string): StreamStatus {
    assertCameraId(cameraId);
    const entry = this.entries.get(cameraId);
    if (!entry) throw new NotFoundError(`stream ${cameraId} does not exist`);
    return statusOf(entry);
  }

  list(): StreamStatus[] {
    return [...this.entries.values()]
      .map(statusOf)
      .sort((a, b) => (a.spec?.cameraId ?? '').localeCompare(b.spec?.cameraId ?? ''));
  }

  supervisors(): StreamSupervisor[] {
    return [...this.entries.values()].flatMap((e) => ('supervisor' in e ? [e.supervisor] : []));
  }

  /** Stops every ffmpeg (shutdown); definitions stay in the registry for the next start. */
  async stopAll(): Promise<void> {
    await Promise.all(this.supervisors().map((s) => s.stop()));
  }

  killAll(): void {
    for (const s of this.supervisors()) s.kill();
  }

  private async validate(spec: StreamSpec | undefined): Promise<ValidStream> {
    const stream = await validateStreamSpec(spec, this.deps.policy);
    if (stream.width > 0 && stream.pixelFormat !== PixelFormat.PIXEL_FORMAT_JPEG) {
      const bytes = stream.width * stream.height * 3 + FRAME_HEAD_RESERVE + FRAME_TAIL_RESERVE;
      const max = this.deps.maxPayloadBytes();
      if (bytes > max)
        throw new InvalidArgumentError(
          `a ${stream.width}x${stream.height} raw frame (${bytes} bytes) exceeds NATS max_payload (${max}); lower the size or use JPEG`,
          'spec.width',
        );
    }
    return stream;
  }

  private startSupervisor(stream: ValidStream): StreamSupervisor {
    const supervisor = this.deps.createSupervisor(stream);
    this.entries.set(stream.spec.cameraId, { supervisor });
    supervisor.start();
    return supervisor;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function statusOf(entry: Entry): StreamStatus {
  if ('supervisor' in entry) return entry.supervisor.status();
  const { spec, error, since } = entry.invalid;
  return StreamStatus.fromPartial({
    spec: { ...spec, url: redact(spec.url) },
    state: StreamState.STREAM_STATE_FAILED,
    lastError: error,
    stateSinceTsMs: since,
  });
}
