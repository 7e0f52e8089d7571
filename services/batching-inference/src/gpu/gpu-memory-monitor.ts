import { execFile } from 'node:child_process';
import type { Gauge } from 'prom-client';
import type { Logger } from '@va/common';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiMemory } from './nvidia-smi.js';

export interface GpuMemoryGauges {
  gpuMemoryUsed: Gauge<'gpu' | 'name'>;
  gpuMemoryTotal: Gauge<'gpu' | 'name'>;
}

/** Runs a command and resolves with its stdout; rejects with the error (`code: 'ENOENT'` when missing). */
export type RunCommand = (command: string, args: string[], timeoutMs: number) => Promise<string>;

const runCommand: RunCommand = (command, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/**
 * Exports the memory used and installed on each NVIDIA GPU of this host
 * (va_inference_gpu_memory_used_bytes / _total_bytes{gpu,name}) by polling nvidia-smi, for the
 * "GPU memory under 80 % of the card" objective. A host without nvidia-smi exports nothing and
 * is not polled again; a failing poll removes the series, so a stale reading never stays.
 */
export class GpuMemoryMonitor {
  private timer: NodeJS.Timeout | undefined;
  private exported = new Set<string>();
  private lastProblem = '';
  private stopped = false;

  constructor(
    private readonly gauges: GpuMemoryGauges,
    private readonly log: Logger,
    private readonly options: { command: string; pollMs: number; run?: RunCommand },
  ) {}

  /** Polls once now and then every pollMs (nothing when pollMs is 0). */
  start(): void {
    if (this.options.pollMs <= 0) return;
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One reading; resolves false when the command is missing and polling has ended. */
  async poll(): Promise<boolean> {
    const run = this.options.run ?? runCommand;
    try {
      const output = await run(
        this.options.command,
        NVIDIA_SMI_ARGS,
        Math.min(5_000, Math.max(1_000, this.options.pollMs)),
      );
      const { gpus, problems } = parseNvidiaSmiMemory(output);
      this.report(problems.length > 0 ? `unreadable nvidia-smi lines: ${problems.join(' | ')}` : '');
      const seen = new Set<string>();
      for (const gpu of gpus) {
        const labels = { gpu: gpu.index, name: gpu.name };
        this.gauges.gpuMemoryUsed.set(labels, gpu.usedBytes);
        this.gauges.gpuMemoryTotal.set(labels, gpu.totalBytes);
        seen.add(JSON.stringify(labels));
      }
      this.forget((key) => !seen.has(key));
      this.exported = seen;
    } catch (err) {
      this.forget(() => true);
      this.exported.clear();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.log.info({ command: this.options.command }, 'nvidia-smi not found: no GPU memory metrics on this host');
        this.stop();
        return false;
      }
      this.report(`nvidia-smi failed: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.poll(), this.options.pollMs);
      this.timer.unref();
    }
    return true;
  }

  private forget(which: (key: string) => boolean): void {
    for (const key of this.exported) {
      if (!which(key)) continue;
      const labels = JSON.parse(key) as { gpu: string; name: string };
      this.gauges.gpuMemoryUsed.remove(labels);
      this.gauges.gpuMemoryTotal.remove(labels);
    }
  }

  /** Logs a problem once when it appears and once when it clears, not on every poll. */
  private report(problem: string): void {
    if (problem === this.lastProblem) return;
    if (problem) this.log.warn({ command: this.options.command, problem }, 'GPU memory reading failed');
    else this.log.info({ command: this.options.command }, 'GPU memory readings resumed');
    this.lastProblem = problem;
  }
}
