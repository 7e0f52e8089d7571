import type { Client } from '@elastic/elasticsearch';
import { errorMessage, type Logger } from '@va/common';
import type { SearchMetrics } from '../metrics.js';
import { INDEX_KINDS, retentionCutoff, type IndexKind, type IndexNames } from './index-names.js';

export interface RetentionSweeperOptions {
  client: Client;
  names: IndexNames;
  retentionDays: Record<IndexKind, number>;
  intervalMs: number;
  metrics: SearchMetrics;
  log: Logger;
  now?: () => number;
}

/**
 * Time-based retention without ILM (this project's local node has neither ILM nor data streams):
 * every interval, deletes the daily indices of each kind whose whole day is older than that kind's
 * retention. Only names of the form <prefix>-<kind>-YYYY.MM.DD are touched. On a cluster with
 * ILM, data streams with a delete phase do the same job; see the service README.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: RetentionSweeperOptions) {
    this.log = options.log.child({ component: 'retention' });
  }

  start(): void {
    const tick = () => {
      this.running = this.sweep().catch((err: unknown) =>
        this.log.warn({ error: errorMessage(err) }, 'retention sweep failed; retrying next interval'),
      );
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes expired daily indices; returns their names. */
  async sweep(): Promise<string[]> {
    const { client, names, retentionDays, metrics } = this.options;
    const now = (this.options.now ?? Date.now)();
    const deleted: string[] = [];
    for (const kind of INDEX_KINDS) {
      const cutoff = retentionCutoff(now, retentionDays[kind]);
      const resolved = await client.indices.resolveIndex({
        name: names.pattern(kind),
        expand_wildcards: ['open', 'closed'],
      });
      const expired = resolved.indices
        .map((i) => i.name)
        .filter((name) => {
          const day = names.dayOf(kind, name);
          return day !== undefined && day < cutoff;
        });
      for (let i = 0; i < expired.length; i += 50) {
        const chunk = expired.slice(i, i + 50);
        await client.indices.delete({ index: chunk, ignore_unavailable: true });
        metrics.retentionDeleted.inc({ index: kind }, chunk.length);
        deleted.push(...chunk);
      }
    }
    if (deleted.length > 0) this.log.info({ deleted }, 'deleted daily indices past their retention');
    return deleted;
  }
}
