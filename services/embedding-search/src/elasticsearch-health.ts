import { CancelledError, errorMessage, type Logger } from '@va/common';
import type { SearchMetrics } from './metrics.js';
import { WakeList } from './wake-list.js';

export interface ElasticsearchHealthOptions {
  /** Succeeds when Elasticsearch can take our writes: reachable and the index templates in place. */
  probe: () => Promise<void>;
  log: Logger;
  metrics: SearchMetrics;
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

/**
 * Whether Elasticsearch is usable right now. Starts unavailable; a probe loop (which also applies
 * the index templates, so a cluster that lost its data gets them back) runs until it succeeds and
 * again after any failure is reported. While unavailable, the indexer stops taking messages, so
 * they wait in JetStream, and readiness says why.
 */
export class ElasticsearchHealth {
  private up = false;
  private reason = 'not reached yet';
  private readonly waiters = new WakeList();
  private probing = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly options: ElasticsearchHealthOptions) {
    this.log = options.log.child({ component: 'elasticsearch-health' });
    options.metrics.elasticsearchUp.set(0);
  }

  get available(): boolean {
    return this.up;
  }

  readinessCheck = (): true | string =>
    this.up ? true : `Elasticsearch unavailable (${this.reason}); indexing paused`;

  start(): void {
    this.runProbes();
  }

  /** Something failed in a way that means the cluster is unreachable or overloaded. */
  reportFailure(err: unknown): void {
    if (this.closed) return;
    this.reason = errorMessage(err).slice(0, 300);
    if (this.up) {
      this.up = false;
      this.options.metrics.elasticsearchUp.set(0);
      this.log.warn({ error: this.reason }, 'Elasticsearch unavailable; consumption paused until it answers again');
    }
    this.runProbes();
  }

  /** Resolves once Elasticsearch is available; rejects with CancelledError when `signal` aborts first. */
  whenAvailable(signal?: AbortSignal): Promise<void> {
    if (this.up) return Promise.resolve();
    return this.waiters.wait(signal, () => new CancelledError('stopped while waiting for Elasticsearch'));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private runProbes(): void {
    if (this.probing || this.closed) return;
    this.probing = true;
    const min = this.options.minIntervalMs ?? 500;
    const max = this.options.maxIntervalMs ?? 5_000;
    let delay = min;
    let failures = 0;
    const attempt = async () => {
      if (this.closed) return;
      try {
        await this.options.probe();
        this.probing = false;
        this.up = true;
        this.options.metrics.elasticsearchUp.set(1);
        this.log.info({ afterFailedProbes: failures }, 'Elasticsearch available; indexing');
        this.waiters.wakeAll();
      } catch (err) {
        failures++;
        this.reason = errorMessage(err).slice(0, 300);
        if (failures === 1 || failures % 20 === 0)
          this.log.warn({ error: this.reason, failures }, 'Elasticsearch probe failed; retrying');
        this.timer = setTimeout(() => void attempt(), delay);
        this.timer.unref();
        delay = Math.min(max, delay * 2);
      }
    };
    void attempt();
  }
}
