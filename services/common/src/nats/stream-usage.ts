import type { JetStreamManager } from 'nats';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';

/**
 * va_jetstream_stream_usage_ratio{stream}: bytes stored / max_bytes, read from stream info every
 * poll. Every service exports it for the streams it declares (the same value from several
 * services; the alert takes the max). At 1 a discard-new stream refuses publishes, so the alert
 * (JetStreamStreamNearlyFull, ≥ 0.8) fires before anything is refused.
 */
export class StreamUsage {
  private readonly ratio: Gauge<'stream'>;
  private readonly bytes: Gauge<'stream'>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    registry: Registry,
    private readonly jsm: JetStreamManager,
    private readonly streams: readonly string[],
    private readonly log: Logger,
  ) {
    this.ratio = new Gauge({
      name: 'va_jetstream_stream_usage_ratio',
      help: 'Bytes stored in the JetStream stream / its max_bytes (VA_JS_MAX_BYTES); at 1 publishes are refused.',
      labelNames: ['stream'],
      registers: [registry],
    });
    this.bytes = new Gauge({
      name: 'va_jetstream_stream_bytes',
      help: 'Bytes stored in the JetStream stream.',
      labelNames: ['stream'],
      registers: [registry],
    });
  }

  /** Reads every stream's state once; a stream that cannot be read keeps its last value. */
  async refresh(): Promise<void> {
    for (const stream of this.streams) {
      try {
        const info = await this.jsm.streams.info(stream);
        this.bytes.set({ stream }, info.state.bytes);
        if (info.config.max_bytes > 0) this.ratio.set({ stream }, info.state.bytes / info.config.max_bytes);
      } catch (err) {
        this.log.debug({ err, stream }, 'stream usage not read');
      }
    }
  }

  start(intervalMs: number): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
